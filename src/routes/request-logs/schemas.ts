import { z } from '@hono/zod-openapi';
import type { RequestLogRow } from '../../db/queries/request-logs';

const UpstreamCallSchema = z
  .object({
    method: z.string().openapi({ example: 'GET' }),
    path: z.string().openapi({
      description: 'The path on the provider host, without the query string.',
      example: '/v1/company/employees',
    }),
    status: z.number().int().nullable().openapi({ description: '`null` when no answer came (timeout).' }),
    duration_ms: z.number().int().openapi({ description: 'Time to the answer head.' }),
    attempt: z.number().int().openapi({ description: '1 for the first try, 2 and up for retries.' }),
  })
  .openapi('RequestLogUpstreamCall');

export const RequestLogSchema = z
  .object({
    id: z.string().openapi({ description: 'The request id (`X-Request-Id`).', example: 'req_4f0c…' }),
    created_at: z.string().openapi({ format: 'date-time' }),
    method: z.string().openapi({ example: 'GET' }),
    route: z.string().openapi({
      description: 'The route template, not the raw path.',
      example: '/unified/hris/employees/:id',
    }),
    status: z.number().int(),
    duration_ms: z.number().int(),
    error_code: z.string().nullable().openapi({ description: 'The `error.code` of an error answer.' }),
    linked_account_id: z.string().nullable(),
    api_key_id: z.string().nullable(),
    upstream: z.array(UpstreamCallSchema).openapi({
      description: 'Provider calls the request made, each attempt (first 50).',
    }),
    retries: z.number().int(),
    rate_limit_waits: z.number().int().openapi({
      description: "Provider calls that waited for the linked account's shared rate budget.",
    }),
    rate_limit_wait_ms: z.number().int(),
    token_exchanges: z.number().int(),
  })
  .openapi('RequestLog');

export function toRequestLogResource(row: RequestLogRow): z.infer<typeof RequestLogSchema> {
  return {
    id: row.id,
    created_at: row.createdAt.toISOString(),
    method: row.method,
    route: row.route,
    status: row.status,
    duration_ms: row.durationMs,
    error_code: row.errorCode,
    linked_account_id: row.linkedAccountId,
    api_key_id: row.apiKeyId,
    upstream: row.upstream,
    retries: row.retries,
    rate_limit_waits: row.rateLimitWaits,
    rate_limit_wait_ms: row.rateLimitWaitMs,
    token_exchanges: row.tokenExchanges,
  };
}
