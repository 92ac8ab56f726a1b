import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../../../context';
import { EMPLOYMENT_STATUSES, EmployeeSchema } from '../../../../models/employee';
import { listEmployeesPage } from '../../../../services/hris-operations';
import {
  booleanQuery,
  instantQuery,
  LinkedAccountHeaders,
  linkedAccountErrorResponses,
  listEnvelope,
  PaginationQuery,
  SECURITY,
} from '../../../common';
import { DATA_AS_OF_RESPONSE_HEADER, resolveSource, SourceQuery, setDataAsOf } from '../../source';

const EmployeeListQuery = PaginationQuery.extend({
  email: z.string().trim().min(3).max(320).optional().openapi({
    description: 'The work email, matched exactly by the provider.',
    example: 'mara.kuhn@example.org',
  }),
  employment_status: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return undefined;
      const statuses = value.split(',').map((status) => status.trim());
      for (const status of statuses) {
        if (!(EMPLOYMENT_STATUSES as readonly string[]).includes(status)) {
          ctx.addIssue({
            code: 'custom',
            message: `must be one or more of ${EMPLOYMENT_STATUSES.join(', ')}`,
          });
          return z.NEVER;
        }
      }
      return [...new Set(statuses)].sort() as (typeof EMPLOYMENT_STATUSES)[number][];
    })
    .openapi({
      type: 'string',
      description: 'One status or several, comma-separated: `active`, `pending`, `inactive`, `leave`.',
      example: 'active,leave',
    }),
  updated_after: instantQuery.openapi({
    type: 'string',
    format: 'date-time',
    description: 'Only employees changed strictly after this instant (a bare date means 00:00 UTC).',
    example: '2025-01-01T00:00:00Z',
  }),
  include_remote_data: booleanQuery.openapi({
    type: 'boolean',
    description: "Adds `remote_data`: Personio's employee object as received.",
  }),
  ...SourceQuery.shape,
});

const route = createRoute({
  method: 'get',
  path: '/unified/hris/employees',
  operationId: 'listEmployees',
  tags: ['Employees'],
  summary: 'List employees',
  description:
    "Employees of the linked account's Personio company, ordered by Personio id. Pages larger than Personio's 100 " +
    'are assembled from several upstream pages. With `employment_status` or `updated_after` the gateway filters, ' +
    'so a page can hold fewer than `limit` employees; keep following `next_cursor` until it is `null`.',
  security: SECURITY,
  request: { headers: LinkedAccountHeaders, query: EmployeeListQuery },
  responses: {
    200: {
      description: 'A page of employees.',
      headers: DATA_AS_OF_RESPONSE_HEADER,
      content: { 'application/json': { schema: listEnvelope(EmployeeSchema).openapi('EmployeeList') } },
    },
    ...linkedAccountErrorResponses(),
  },
});

export function registerListEmployees(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const query = c.req.valid('query');
    const services = c.get('services');
    const linkedAccount = c.get('linkedAccount');
    const page = await listEmployeesPage(services, linkedAccount, {
      limit: query.limit,
      cursor: query.cursor,
      email: query.email,
      employmentStatus: query.employment_status,
      updatedAfter: query.updated_after,
      includeRemoteData: query.include_remote_data,
      source: resolveSource(linkedAccount, query),
      includeDeleted: query.include_deleted,
    });
    setDataAsOf(c, page.dataAsOf);
    return c.json({ result: page.items, next_cursor: page.nextCursor }, 200);
  });
}
