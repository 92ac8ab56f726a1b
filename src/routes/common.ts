import { z } from '@hono/zod-openapi';
import type { Services } from '../context';
import { type ErrorCode, errorResponses } from '../errors';
import { queryBinding } from '../lib/cursor';
import type { Page } from '../providers/types';

export const SECURITY = [{ apiKey: [] }];

export const LinkedAccountHeaders = z.object({
  'x-linked-account-id': z
    .string()
    .optional()
    .openapi({
      param: { in: 'header', required: true },
      description: 'The linked account (`la_…`) to act on.',
      example: 'la_4kR9sTqW2mXb7YcN1pLdZe',
    }),
});

export const PaginationQuery = z.object({
  limit: z.coerce
    .number({ error: 'must be a whole number from 1 to 200' })
    .int('must be a whole number from 1 to 200')
    .min(1, 'must be at least 1')
    .max(200, 'must be at most 200')
    .default(50)
    .openapi({ description: 'Page size, 1–200.', example: 50 }),
  cursor: z
    .string()
    .min(1)
    .max(2048)
    .optional()
    .openapi({ description: '`next_cursor` of the previous page; send the same filters with it.' }),
});

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
/** Earliest instant a filter may name; earlier ones mean nothing to an HRIS and break upstream date maths. */
const EARLIEST = Date.UTC(1900, 0, 1);

/** `YYYY-MM-DD` that names a real day (not 2026-02-30). */
export const calendarDate = z
  .string()
  .refine(
    (value) => {
      if (!DATE.test(value)) return false;
      const time = Date.parse(`${value}T00:00:00Z`);
      return !Number.isNaN(time) && time >= EARLIEST && new Date(time).toISOString().startsWith(value);
    },
    { message: 'must be a real date (YYYY-MM-DD) from 1900 on' },
  )
  .openapi({ format: 'date', example: '2026-07-06' });

/** An ISO 8601 date-time with offset, or a date (00:00 UTC), as a `Date`. */
export const instantQuery = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined) return undefined;
    const isDate = DATE.test(value);
    const time = Date.parse(isDate ? `${value}T00:00:00Z` : value);
    const real = isDate
      ? calendarDate.safeParse(value).success
      : DATE_TIME.test(value) && !Number.isNaN(time);
    if (!real || time < EARLIEST) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be an ISO 8601 date-time with offset, or a date (YYYY-MM-DD), from 1900 on',
      });
      return z.NEVER;
    }
    return new Date(time);
  });

export const booleanQuery = z
  .enum(['true', 'false'], { error: 'must be true or false' })
  .optional()
  .transform((value) => value === 'true');

export function singleEnvelope<Schema extends z.ZodType>(schema: Schema) {
  return z.object({ result: schema });
}

export function listEnvelope<Schema extends z.ZodType>(schema: Schema) {
  return z.object({
    result: z.array(schema),
    next_cursor: z
      .string()
      .nullable()
      .openapi({ description: 'Pass as `cursor` for the next page; `null` at the end.' }),
  });
}

/** What any call on a linked account can fail with: the caller's request, its key, the account, or Personio. */
export const LINKED_ACCOUNT_ERRORS = [
  'invalid_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'provider_unauthorized',
  'provider_forbidden',
  'rate_limited',
  'provider_error',
  'provider_unavailable',
  'provider_timeout',
] as const satisfies readonly ErrorCode[];

/** OpenAPI error responses of a route on a linked account, plus any codes of its own. */
export function linkedAccountErrorResponses(...extra: ErrorCode[]) {
  return errorResponses(...LINKED_ACCOUNT_ERRORS, ...extra);
}

/**
 * One page of a cursor-paged list: the caller's cursor is checked against this query (resource, linked
 * account, filters) and decoded into the provider's position; the provider's next position is encoded back.
 */
export async function cursorPage<Item>(
  services: Services,
  query: {
    resource: string;
    linkedAccountId: string;
    filters: Record<string, unknown>;
    cursor: string | undefined;
  },
  load: (position: unknown) => Promise<Page<Item>>,
): Promise<{ items: Item[]; nextCursor: string | null }> {
  const binding = queryBinding(query.resource, query.linkedAccountId, query.filters);
  const position = query.cursor ? await services.cursors.decode(query.cursor, binding) : null;
  const page = await load(position);
  return {
    items: page.items,
    nextCursor: page.next ? await services.cursors.encode(page.next, binding) : null,
  };
}
