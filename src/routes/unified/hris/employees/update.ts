import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../../../context';
import { ApiError } from '../../../../errors';
import { maybeIdempotent } from '../../../../lib/idempotency';
import { applyFieldMappings, loadEffectiveMappings, mappedWrite } from '../../../../services/field-mappings';
import { linkedAccountErrorResponses, SECURITY } from '../../../common';
import { REPLAYED_HEADER, WriteHeaders } from '../timeoff-requests/schemas';
import { presentEmployee } from './present';
import { EmployeeWrittenSchema, employeeFields, employeeFieldsShape, managerIdField } from './write-schemas';

const UpdateEmployeeBody = z
  .strictObject({
    ...employeeFieldsShape,
    manager_id: managerIdField.nullable().optional().openapi({ description: '`null` removes the manager.' }),
  })
  .superRefine((body, ctx) => {
    if (Object.values(body).every((value) => value === undefined)) {
      ctx.addIssue({ code: 'custom', path: [], message: 'name at least one field to change' });
    }
  })
  .openapi('UpdateEmployee');

const route = createRoute({
  method: 'patch',
  path: '/unified/hris/employees/{id}',
  operationId: 'updateEmployee',
  tags: ['Employees'],
  summary: 'Update an employee',
  description:
    'Changes the fields sent (`PATCH /company/employees/{id}` in Personio) and returns the employee as reads ' +
    'do. `work_email` cannot be changed (Personio does not allow it). A field the gateway cannot accept is ' +
    "`400` naming it; Personio refusing the change is `422` with Personio's reason. Send an `Idempotency-Key` " +
    'to retry safely.',
  security: SECURITY,
  request: {
    headers: WriteHeaders,
    params: z.object({
      id: z
        .string()
        .min(1)
        .max(64)
        .openapi({
          param: { name: 'id', in: 'path' },
          description: 'The Personio employee id.',
          example: '4711',
        }),
    }),
    body: { required: true, content: { 'application/json': { schema: UpdateEmployeeBody } } },
  },
  responses: {
    200: {
      description: 'The updated employee (or, for a replayed `Idempotency-Key`, the first response).',
      headers: REPLAYED_HEADER,
      content: { 'application/json': { schema: EmployeeWrittenSchema.openapi('EmployeeUpdated') } },
    },
    ...linkedAccountErrorResponses('conflict', 'unprocessable'),
  },
});

export function registerUpdateEmployee(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const key = c.req.valid('header')['idempotency-key'];
    const services = c.get('services');
    const linkedAccount = c.get('linkedAccount');
    const execute = async ({ resumed } = { resumed: false }) => {
      const provider = await services.providers.hris(linkedAccount);
      const mappings = await loadEffectiveMappings(services, linkedAccount);
      const written = await provider.updateEmployee(
        id,
        mappedWrite(employeeFields(body), mappings, { create: false }),
        { retry: key !== undefined, outcomeUnknown: resumed },
      );
      if (!written) throw new ApiError('not_found', `No employee ${id} in this linked account.`);
      const employee = presentEmployee(
        applyFieldMappings(written.employee, mappings),
        services.config.publicUrl,
      );
      return { status: 200, body: { result: employee, warnings: written.warnings } };
    };
    const outcome = await maybeIdempotent(
      services.db,
      {
        environmentId: c.get('environment').id,
        scope: linkedAccount.id,
        key,
        method: 'PATCH',
        path: c.req.path,
        body,
        now: services.now(),
      },
      execute,
    );
    if (outcome.replayed) c.header('Idempotent-Replayed', 'true');
    return c.json(outcome.response.body as z.infer<typeof EmployeeWrittenSchema>, 200);
  });
}
