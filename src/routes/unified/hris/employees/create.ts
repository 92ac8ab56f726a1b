import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../../../context';
import { maybeIdempotent } from '../../../../lib/idempotency';
import { applyFieldMappings, loadEffectiveMappings, mappedWrite } from '../../../../services/field-mappings';
import { linkedAccountErrorResponses, SECURITY } from '../../../common';
import { REPLAYED_HEADER, WriteHeaders } from '../timeoff-requests/schemas';
import { presentEmployee } from './present';
import { EmployeeWrittenSchema, employeeFields, employeeFieldsShape, managerIdField } from './write-schemas';

const CreateEmployeeBody = z
  .strictObject({
    ...employeeFieldsShape,
    work_email: z
      .email('must be an email address')
      .max(254)
      .openapi({ description: 'Required; Personio cannot change it later.', example: 'ada@example.org' }),
    first_name: employeeFieldsShape.first_name.unwrap(),
    last_name: employeeFieldsShape.last_name.unwrap(),
    manager_id: managerIdField.optional(),
  })
  .openapi('CreateEmployee');

const route = createRoute({
  method: 'post',
  path: '/unified/hris/employees',
  operationId: 'createEmployee',
  tags: ['Employees'],
  summary: 'Create an employee',
  description:
    'Creates an employee in Personio (`POST /company/employees`) and returns it as reads do. `work_email`, ' +
    '`first_name` and `last_name` are required. A body field the gateway cannot accept is `400` naming it; ' +
    "Personio refusing the employee (an address it already has, an unknown manager) is `422` with Personio's " +
    'reason. Send an `Idempotency-Key` to retry safely.',
  security: SECURITY,
  request: {
    headers: WriteHeaders,
    body: { required: true, content: { 'application/json': { schema: CreateEmployeeBody } } },
  },
  responses: {
    201: {
      description: 'The created employee (or, for a replayed `Idempotency-Key`, the first response).',
      headers: REPLAYED_HEADER,
      content: { 'application/json': { schema: EmployeeWrittenSchema.openapi('EmployeeCreated') } },
    },
    ...linkedAccountErrorResponses('conflict', 'unprocessable'),
  },
});

export function registerCreateEmployee(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const body = c.req.valid('json');
    const key = c.req.valid('header')['idempotency-key'];
    const services = c.get('services');
    const linkedAccount = c.get('linkedAccount');
    const execute = async ({ resumed } = { resumed: false }) => {
      const provider = await services.providers.hris(linkedAccount);
      const mappings = await loadEffectiveMappings(services, linkedAccount);
      const written = await provider.createEmployee(
        mappedWrite(
          {
            ...employeeFields(body),
            workEmail: body.work_email,
            firstName: body.first_name,
            lastName: body.last_name,
          },
          mappings,
          { create: true },
        ),
        { retry: key !== undefined, outcomeUnknown: resumed },
      );
      const employee = presentEmployee(
        applyFieldMappings(written.employee, mappings),
        services.config.publicUrl,
      );
      return { status: 201, body: { result: employee, warnings: written.warnings } };
    };
    const outcome = await maybeIdempotent(
      services.db,
      {
        environmentId: c.get('environment').id,
        scope: linkedAccount.id,
        key,
        method: 'POST',
        path: c.req.path,
        body,
        now: services.now(),
      },
      execute,
    );
    if (outcome.replayed) c.header('Idempotent-Replayed', 'true');
    return c.json(outcome.response.body as z.infer<typeof EmployeeWrittenSchema>, 201);
  });
}
