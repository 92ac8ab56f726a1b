import { z } from '@hono/zod-openapi';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * The one list of error codes the gateway answers with, and the HTTP status of each.
 * Every error body is built from here (see `errorBody`), and the OpenAPI error
 * responses are generated from the same table.
 */
export const ERROR_CODES = {
  invalid_request: { status: 400, description: 'The request is malformed or a parameter is invalid.' },
  unauthorized: { status: 401, description: 'The API key is missing, unknown or revoked.' },
  forbidden: { status: 403, description: 'The API key may not perform this operation.' },
  not_found: { status: 404, description: 'The resource does not exist in this environment.' },
  method_not_allowed: { status: 405, description: 'The route does not support this method.' },
  request_timeout: { status: 408, description: 'The request did not arrive completely in time.' },
  conflict: { status: 409, description: 'The request conflicts with the current state.' },
  payload_too_large: { status: 413, description: 'The request body is larger than the route accepts.' },
  unprocessable: { status: 422, description: 'The request is well-formed but cannot be performed.' },
  provider_unauthorized: {
    status: 424,
    description:
      'The provider rejected the linked account credentials; the account needs to be re-linked (status needs_reauth).',
  },
  provider_forbidden: {
    status: 424,
    description:
      'The provider credential lacks the access rights (scopes or whitelisted attributes) for this request.',
  },
  rate_limited: { status: 429, description: 'Too many requests; retry after the `Retry-After` seconds.' },
  headers_too_large: { status: 431, description: 'The request headers are larger than the server accepts.' },
  internal: { status: 500, description: 'An unexpected error inside the gateway.' },
  provider_error: { status: 502, description: 'The provider answered with an error or an unreadable body.' },
  provider_unavailable: { status: 503, description: 'The provider is temporarily unavailable.' },
  provider_timeout: { status: 504, description: 'The provider did not answer in time.' },
  service_unavailable: {
    status: 503,
    description:
      'A service the gateway depends on (its database) is unreachable; retry after `Retry-After` seconds.',
  },
} as const satisfies Record<string, { status: ContentfulStatusCode; description: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  readonly headers: Record<string, string>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { details?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }

  get status(): ContentfulStatusCode {
    return ERROR_CODES[this.code].status;
  }
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; request_id: string; details?: unknown };
}

export function errorBody(error: ApiError, requestId: string): ErrorBody {
  const body: ErrorBody = { error: { code: error.code, message: error.message, request_id: requestId } };
  if (error.details !== undefined) body.error.details = error.details;
  return body;
}

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]),
      message: z.string(),
      request_id: z.string().openapi({ example: 'req_2x8Hh4mJ7qK0' }),
      details: z.unknown().optional(),
    }),
  })
  .openapi('Error');

/**
 * What any route behind API-key auth can answer besides `unauthorized`: `rate_limited` once an address
 * has spent its failed-key budget, `service_unavailable` while the database is unreachable.
 */
const AUTHENTICATED_ERRORS = ['rate_limited', 'service_unavailable'] as const satisfies readonly ErrorCode[];

/**
 * OpenAPI `responses` entries for the given error codes, generated from the enum above. A route that
 * lists `unauthorized` sits behind API-key auth, so it gets `AUTHENTICATED_ERRORS` too.
 */
export function errorResponses(...listed: ErrorCode[]) {
  const codes = new Set(listed);
  if (codes.has('unauthorized')) for (const code of AUTHENTICATED_ERRORS) codes.add(code);
  const responses: Record<
    number,
    { description: string; content: { 'application/json': { schema: typeof ErrorSchema } } }
  > = {};
  for (const code of codes) {
    const { status, description } = ERROR_CODES[code];
    const existing = responses[status];
    responses[status] = {
      description: existing
        ? `${existing.description} / \`${code}\`: ${description}`
        : `\`${code}\`: ${description}`,
      content: { 'application/json': { schema: ErrorSchema } },
    };
  }
  return responses;
}

/** Turns zod issues into `details` that say which field failed and why. */
export function validationDetails(
  issues: readonly {
    path: readonly PropertyKey[];
    message: string;
    code?: string;
    keys?: readonly string[];
  }[],
) {
  return issues.flatMap((issue) => {
    // An unknown member is named itself, so a typo in a field name says which field.
    if (issue.code === 'unrecognized_keys' && issue.keys?.length) {
      return issue.keys.map((key) => ({
        field: [...issue.path.map(String), key].join('.'),
        message: 'unknown field',
      }));
    }
    return [{ field: issue.path.map(String).join('.') || null, message: issue.message }];
  });
}
