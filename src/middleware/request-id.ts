import { createMiddleware } from 'hono/factory';
import type { AppEnv, Services } from '../context';
import { newId } from '../crypto/random';
import { loggablePath } from '../lib/redact';

/** Responses a handler built with `X-Request-Id` already set (see `withRequestId`). */
const identified = new WeakSet<Response>();

/**
 * Marks a handler's own Response as already carrying `X-Request-Id`, so the check below does not read
 * its headers: on Node that would turn the plain header object it was given into a `Headers`.
 */
export function withRequestId(response: Response): Response {
  identified.add(response);
  return response;
}

/** Gives every request a `req_…` id, echoes it in `X-Request-Id`, and logs one line per request. */
export function requestContext(services: Services) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const requestId = newId('req');
    const started = performance.now();
    c.set('requestId', requestId);
    c.set('services', services);
    // Set before the handler, so it is built into the response: set afterwards, Hono copies the
    // finished response, and a string body becomes a stream (slower to send on Node).
    c.header('X-Request-Id', requestId);
    await next();
    // A handler that returns a Response of its own (the proxy) gets no prepared headers.
    if (!identified.has(c.res) && !c.res.headers.has('X-Request-Id')) c.header('X-Request-Id', requestId);
    services.logger.info('request', {
      request_id: requestId,
      method: c.req.method,
      path: loggablePath(c.req.path),
      status: c.res.status,
      duration_ms: Math.round((performance.now() - started) * 10) / 10,
    });
  });
}
