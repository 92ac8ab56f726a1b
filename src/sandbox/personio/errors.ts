import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** Personio v1 error envelope: `{ success: false, error: { code, message } }` with `code` = HTTP status. */
export function personioError(c: Context, status: ContentfulStatusCode, message: string): Response {
  return c.json({ success: false, error: { code: status, message } }, status);
}

/** Thrown by request parsing; the app's error handler turns it into the v1 envelope. */
export class PersonioRequestError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
  ) {
    super(message);
    this.name = 'PersonioRequestError';
  }
}
