import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * Personio v2 errors (REFERENCE §4.6, spec common-components-v2 `ErrorResponse`): `application/problem+json`
 * with `personio_trace_id`, `timestamp` and a list of `{ title, detail, type, _meta }`.
 */

const TYPE_BASE = 'https://developer.personio.de/reference/errors#';
const TITLES: Partial<Record<number, string>> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  422: 'Unprocessable entity',
  429: 'Too many requests',
  500: 'Internal server error',
};
const TYPES: Partial<Record<number, string>> = {
  400: 'common.bad_request',
  401: 'common.unauthorized',
  403: 'common.forbidden',
  404: 'common.resource_not_found',
  409: 'common.conflict',
  422: 'common.unprocessable_entity',
  429: 'common.too_many_requests',
  500: 'common.internal_error',
};

export function problem(
  c: Context,
  status: ContentfulStatusCode,
  detail: string,
  headers: Record<string, string> = {},
): Response {
  const body = {
    personio_trace_id: crypto.randomUUID(),
    timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    errors: [
      {
        title: TITLES[status] ?? 'Error',
        detail,
        type: `${TYPE_BASE}${TYPES[status] ?? 'common.error'}`,
        _meta: {},
      },
    ],
  };
  return c.body(JSON.stringify(body), status, { ...headers, 'content-type': 'application/problem+json' });
}

/** Thrown by v2 request parsing; the v2 sub-app's error handler answers it as problem+json. */
export class V2RequestError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
  ) {
    super(message);
    this.name = 'V2RequestError';
  }
}

export const badRequest = (detail = 'Provided request parameters are invalid.') =>
  new V2RequestError(400, detail);
