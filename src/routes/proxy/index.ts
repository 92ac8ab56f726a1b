import { type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../context';
import { ApiError } from '../../errors';
import { createRouter } from '../../lib/router';
import { LinkedAccountHeaders, linkedAccountErrorResponses, SECURITY } from '../common';
import { forwardedRequestHeaders, returnedResponseHeaders } from './headers';
import { proxyTarget } from './target';

const PROXY_PREFIX = '/proxy/';
/** Writes with an `Idempotency-Key` are buffered so they can be retried; larger ones are refused. */
const MAX_BUFFERED_BODY_BYTES = 10 * 1024 * 1024;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/**
 * `ALL /proxy/{path}`: Personio 1-to-1 with the linked account's credentials. Status, body and
 * safe headers come back untouched and marked `X-Roster-Source: upstream`; errors of the gateway
 * itself use the error envelope and `X-Roster-Source: gateway`.
 */
export function proxyRouter() {
  const router = createRouter();
  documentProxy(router);
  router.all('/proxy/*', async (c) => {
    const services = c.get('services');
    const url = new URL(c.req.url);
    const rawPath = url.pathname.slice(url.pathname.indexOf(PROXY_PREFIX) + PROXY_PREFIX.length);
    const client = await services.providers.personioClient(c.get('linkedAccount'));
    const target = proxyTarget(rawPath, url.search.slice(1), client.baseUrl);

    const method = c.req.method.toUpperCase();
    const hasBody = method !== 'GET' && method !== 'HEAD' && c.req.raw.body !== null;
    const idempotencyKey = c.req.header('idempotency-key');
    let body: ArrayBuffer | ReadableStream<Uint8Array> | null = null;
    if (hasBody && idempotencyKey) {
      const declared = Number(c.req.header('content-length') ?? 0);
      if (declared > MAX_BUFFERED_BODY_BYTES) throw tooLarge();
      body = await c.req.arrayBuffer();
      if (body.byteLength > MAX_BUFFERED_BODY_BYTES) throw tooLarge();
    } else if (hasBody) {
      body = c.req.raw.body;
    }

    const upstream = await client.send({
      method,
      url: target,
      headers: forwardedRequestHeaders(c.req.raw.headers),
      body,
      // Reads are retried; a write only when the caller made it idempotent with a key.
      retry: method === 'GET' || method === 'HEAD' || Boolean(idempotencyKey),
    });
    const headers = returnedResponseHeaders(upstream.headers);
    headers.set('X-Roster-Source', 'upstream');
    headers.set('X-Request-Id', c.get('requestId'));
    return new Response(upstream.body, { status: upstream.status, statusText: upstream.statusText, headers });
  });
  return router;
}

function tooLarge(): ApiError {
  return new ApiError(
    'invalid_request',
    `Writes with an Idempotency-Key may carry at most ${MAX_BUFFERED_BODY_BYTES} bytes (they are kept to be retried).`,
    { details: [{ field: 'body', message: 'too large to buffer' }] },
  );
}

/** The proxy matches any path, which `createRoute` cannot express; its operations are documented by hand. */
function documentProxy(router: OpenAPIHono<AppEnv>) {
  for (const method of METHODS) {
    router.openAPIRegistry.registerPath({
      method,
      path: '/proxy/{path}',
      operationId: `proxy${method[0]!.toUpperCase()}${method.slice(1)}`,
      tags: ['Proxy'],
      summary: `${method.toUpperCase()} any Personio endpoint`,
      description:
        "Forwards the request to the linked account's Personio API with its credentials. `path` is relative to " +
        'the v1 base (`company/attendances` → `https://api.personio.de/v1/company/attendances`); `v1/…` and ' +
        '`v2/…` pick the version explicitly (`v2/persons`). Query, body and headers pass through; `Authorization`, ' +
        'cookies and hop-by-hop headers do not. Personio’s status, body and headers come back unchanged with ' +
        '`X-Roster-Source: upstream`; errors of the gateway carry `X-Roster-Source: gateway`. Reads are retried on ' +
        '429/502/503/504 and timeouts; writes only when sent with an `Idempotency-Key`. Paths with `..`, `//`, ' +
        '`\\`, `@`, a scheme or control characters (in any encoding) are refused with 400.',
      security: SECURITY,
      request: {
        headers: LinkedAccountHeaders,
        params: z.object({
          path: z.string().openapi({
            param: { name: 'path', in: 'path' },
            description: 'The Personio path, e.g. `company/attendances` or `v2/persons`.',
            example: 'company/attendances',
          }),
        }),
      },
      responses: {
        200: {
          description: "Personio's answer, as Personio sent it (any status; `X-Roster-Source: upstream`).",
        },
        ...linkedAccountErrorResponses(),
      },
    });
  }
}
