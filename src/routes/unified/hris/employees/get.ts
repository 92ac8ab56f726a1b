import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../../../context';
import { EmployeeSchema } from '../../../../models/employee';
import { getEmployee } from '../../../../services/hris-operations';
import {
  booleanQuery,
  LinkedAccountHeaders,
  linkedAccountErrorResponses,
  SECURITY,
  singleEnvelope,
} from '../../../common';

const route = createRoute({
  method: 'get',
  path: '/unified/hris/employees/{id}',
  operationId: 'getEmployee',
  tags: ['Employees'],
  summary: 'Get an employee',
  security: SECURITY,
  request: {
    headers: LinkedAccountHeaders,
    params: z.object({
      id: z
        .string()
        .min(1)
        .max(64)
        .openapi({
          param: { name: 'id', in: 'path' },
          description: "The provider's employee id.",
          example: '4711',
        }),
    }),
    query: z.object({
      include_remote_data: booleanQuery.openapi({
        type: 'boolean',
        description: "Adds `remote_data`: Personio's employee object as received.",
      }),
    }),
  },
  responses: {
    200: {
      description: 'The employee.',
      content: { 'application/json': { schema: singleEnvelope(EmployeeSchema).openapi('EmployeeResult') } },
    },
    ...linkedAccountErrorResponses(),
  },
});

export function registerGetEmployee(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const { include_remote_data: includeRemoteData } = c.req.valid('query');
    const employee = await getEmployee(c.get('services'), c.get('linkedAccount'), id, { includeRemoteData });
    return c.json({ result: employee }, 200);
  });
}
