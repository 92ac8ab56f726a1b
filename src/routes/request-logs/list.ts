import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../context';
import { listRequestLogsPage } from '../../db/queries/request-logs';
import { errorResponses } from '../../errors';
import { queryBinding } from '../../lib/cursor';
import { instantQuery, listEnvelope, PaginationQuery, SECURITY } from '../common';
import { RequestLogSchema, toRequestLogResource } from './schemas';

const RequestLogListQuery = PaginationQuery.extend({
  linked_account_id: z
    .string()
    .regex(/^la_[0-9A-Za-z]{1,64}$/, 'must be a linked account id (la_…)')
    .optional()
    .openapi({ description: 'Only calls on this linked account.' }),
  route: z
    .string()
    .regex(/^\/[\w/:.{}-]{0,200}$/, 'must be a route template such as /unified/hris/employees/:id')
    .optional()
    .openapi({ description: 'Only calls of this route template.', example: '/unified/hris/employees' }),
  status: z
    .string()
    .regex(/^([1-5]xx|[1-5]\d\d)$/, 'must be a status (404) or a class (4xx)')
    .optional()
    .openapi({
      description: 'Only calls answered with this status (`429`) or class (`5xx`).',
      example: '4xx',
    }),
  created_after: instantQuery.openapi({
    type: 'string',
    description: 'Only calls received at or after this instant (ISO 8601).',
  }),
  created_before: instantQuery.openapi({
    type: 'string',
    description: 'Only calls received before this instant (ISO 8601).',
  }),
});

const route = createRoute({
  method: 'get',
  path: '/request-logs',
  operationId: 'listRequestLogs',
  tags: ['Request logs'],
  summary: 'List request logs',
  description:
    'What the calls of this environment did, newest first: route, status, duration, linked account, and the ' +
    'provider calls each made (status and latency), retries and waits for the rate budget. No bodies, query ' +
    'strings or credentials are kept. Logs are written in batches (within about a second) and kept for ' +
    '`REQUEST_LOG_RETENTION_DAYS` (default 7).',
  security: SECURITY,
  request: { query: RequestLogListQuery },
  responses: {
    200: {
      description: 'A page of request logs.',
      content: { 'application/json': { schema: listEnvelope(RequestLogSchema).openapi('RequestLogList') } },
    },
    ...errorResponses('invalid_request', 'unauthorized'),
  },
});

function statusRange(value: string | undefined) {
  if (value === undefined) return undefined;
  const hundreds = Number(value[0]) * 100;
  return value.endsWith('xx')
    ? { from: hundreds, to: hundreds + 99 }
    : { from: Number(value), to: Number(value) };
}

export function registerListRequestLogs(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const query = c.req.valid('query');
    const services = c.get('services');
    const environmentId = c.get('environment').id;
    const filters = {
      linked_account_id: query.linked_account_id,
      route: query.route,
      status: query.status,
      created_after: query.created_after?.toISOString(),
      created_before: query.created_before?.toISOString(),
    };
    // A cursor is the last `seq` returned, bound to this environment and these filters.
    const binding = queryBinding('request-logs', environmentId, filters);
    const beforeSeq = await services.cursors.decodeSeq(query.cursor, binding);
    const page = await listRequestLogsPage(services.db, {
      environmentId,
      filters: {
        linkedAccountId: query.linked_account_id,
        route: query.route?.replace(/\{(\w+)\}/g, ':$1'),
        status: statusRange(query.status),
        createdAfter: query.created_after,
        createdBefore: query.created_before,
      },
      beforeSeq,
      limit: query.limit,
    });
    const last = page.rows.at(-1);
    return c.json(
      {
        result: page.rows.map(toRequestLogResource),
        next_cursor: page.hasMore && last ? await services.cursors.encode({ seq: last.seq }, binding) : null,
      },
      200,
    );
  });
}
