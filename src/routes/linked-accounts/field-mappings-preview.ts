import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../context';
import { getFieldMappings } from '../../db/queries/field-mappings';
import { EmployeeSchema } from '../../models/employee';
import { FieldMappingSchema, FieldMappingsInputSchema } from '../../models/field-mapping';
import { applyFieldMappings, mergeMappings } from '../../services/field-mappings';
import { linkedAccountErrorResponses, SECURITY } from '../common';
import { presentEmployee } from '../unified/hris/employees/present';
import { findLinkedAccount, LinkedAccountIdParams } from './common';
import { checkAgainstRemoteFields } from './field-mappings-common';
import { readRemoteFields } from './remote-fields';

const PreviewInput = z
  .object({
    mappings: FieldMappingsInputSchema.shape.mappings.optional().openapi({
      description: "The account's mappings to try (default: its stored ones), over the environment's.",
    }),
    limit: z.number().int().min(1).max(20).default(5).openapi({ description: 'Employees to show (1–20).' }),
  })
  .strict()
  .openapi('FieldMappingsPreviewInput');

const route = createRoute({
  method: 'post',
  path: '/linked-accounts/{id}/field-mappings/preview',
  operationId: 'previewLinkedAccountFieldMappings',
  tags: ['Field mappings'],
  summary: 'Preview field mappings',
  description:
    'The first employees, read live, as they would come out with these mappings; nothing is stored. The ' +
    'mappings are checked as `PUT` checks them.',
  security: SECURITY,
  request: {
    params: LinkedAccountIdParams,
    body: { required: true, content: { 'application/json': { schema: PreviewInput } } },
  },
  responses: {
    200: {
      description: 'The employees with the mappings applied.',
      content: {
        'application/json': {
          schema: z.object({ result: z.array(EmployeeSchema), mappings: z.array(FieldMappingSchema) }),
        },
      },
    },
    ...linkedAccountErrorResponses('unprocessable'),
  },
});

export function registerPreviewLinkedAccountFieldMappings(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const input = c.req.valid('json');
    const services = c.get('services');
    const linkedAccount = await findLinkedAccount(services, c.get('environment').id, id);
    const { defaults, overrides } = await getFieldMappings(services.db, {
      environmentId: linkedAccount.environmentId,
      linkedAccountId: linkedAccount.id,
    });
    const proposed = input.mappings ?? overrides?.mappings ?? [];
    if (input.mappings) await checkAgainstRemoteFields(services, linkedAccount, proposed);
    // readRemoteFields refuses accounts that cannot be used, before the employees are read.
    else await readRemoteFields(services, linkedAccount, 0);
    const effective = mergeMappings(defaults?.mappings ?? [], proposed);
    const provider = await services.providers.hris(linkedAccount);
    const page = await provider.listEmployees({
      limit: input.limit,
      position: null,
      includeRemoteData: false,
    });
    return c.json(
      {
        result: page.items.map((employee) =>
          presentEmployee(applyFieldMappings(employee, effective), services.config.publicUrl),
        ),
        mappings: effective.map(({ source: _source, ...mapping }) => mapping),
      },
      200,
    );
  });
}
