import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../context';
import { ENVIRONMENT_SCOPE, putFieldMappings } from '../../db/queries/field-mappings';
import { ApiError, errorResponses } from '../../errors';
import { FieldMappingsInputSchema, FieldMappingsSchema } from '../../models/field-mapping';
import { SECURITY } from '../common';

const route = createRoute({
  method: 'put',
  path: '/field-mappings',
  operationId: 'putFieldMappings',
  tags: ['Field mappings'],
  summary: "Replace the environment's field mappings",
  description:
    'The defaults of every linked account of the environment. They are not checked against any one ' +
    "account's fields: a mapping an account's credential cannot read shows in that account's `field_coverage`.",
  security: SECURITY,
  request: {
    body: { required: true, content: { 'application/json': { schema: FieldMappingsInputSchema } } },
  },
  responses: {
    200: {
      description: 'The mappings as stored.',
      content: { 'application/json': { schema: z.object({ result: FieldMappingsSchema }) } },
    },
    ...errorResponses('invalid_request', 'unauthorized'),
  },
});

export function registerPutFieldMappings(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { mappings } = c.req.valid('json');
    const nulls = mappings.findIndex(
      (mapping) => mapping.remote_field === null && mapping.customer_label === undefined,
    );
    if (nulls >= 0) {
      const message =
        "must name a remote field (null only with customer_label, or to keep the default in a linked account's mappings)";
      throw new ApiError(
        'invalid_request',
        `Invalid mapping \`mappings.${nulls}.remote_field\`: ${message}`,
        {
          details: [{ field: `mappings.${nulls}.remote_field`, message }],
        },
      );
    }
    const services = c.get('services');
    const now = services.now();
    const row = await putFieldMappings(services.db, {
      environmentId: c.get('environment').id,
      scope: ENVIRONMENT_SCOPE,
      mappings,
      now,
    });
    services.lookups.forgetFieldMappings(c.get('environment').id);
    return c.json({ result: { mappings, updated_at: (row?.updatedAt ?? now).toISOString() } }, 200);
  });
}
