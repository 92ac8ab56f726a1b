import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../../../context';
import { EmployeeSchema } from '../../../../models/employee';
import { readEmployee } from '../../../../services/hris-operations';
import {
  booleanQuery,
  LinkedAccountHeaders,
  linkedAccountErrorResponses,
  SECURITY,
  singleEnvelope,
} from '../../../common';
import { DATA_AS_OF_RESPONSE_HEADER, resolveSource, SourceQuery, setDataAsOf } from '../../source';

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
      ...SourceQuery.shape,
    }),
  },
  responses: {
    200: {
      description: 'The employee.',
      headers: DATA_AS_OF_RESPONSE_HEADER,
      content: { 'application/json': { schema: singleEnvelope(EmployeeSchema).openapi('EmployeeResult') } },
    },
    ...linkedAccountErrorResponses(),
  },
});

export function registerGetEmployee(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const query = c.req.valid('query');
    const linkedAccount = c.get('linkedAccount');
    const { result: employee, dataAsOf } = await readEmployee(c.get('services'), linkedAccount, id, {
      includeRemoteData: query.include_remote_data,
      source: resolveSource(linkedAccount, query),
      includeDeleted: query.include_deleted,
    });
    setDataAsOf(c, dataAsOf);
    return c.json({ result: employee }, 200);
  });
}
