import { type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../context';
import { base64url, toHex } from '../../crypto/encoding';
import { ApiError } from '../../errors';
import { IDEMPOTENCY_KEY_PATTERN, withIdempotency } from '../../lib/idempotency';
import { createRouter } from '../../lib/router';
import { withRequestId } from '../../middleware/request-id';
import type { UpstreamResponse } from '../../providers/http';
import { LinkedAccountHeaders, linkedAccountErrorResponses, SECURITY } from '../common';
import { forwardedHeaderPairs, returnedHeaderRecord, returnedResponseHeaders } from './headers';
import { proxyTarget } from './target';

const PROXY_PREFIX = '/proxy/';
/** Writes with an `Idempotency-Key` are buffered so they can be retried; larger ones are refused. */
const MAX_BUFFERED_BODY_BYTES = 10 * 1024 * 1024;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
/** What Personio's REST APIs use; anything else (TRACE, CONNECT, WebDAV verbs) is refused here. */
const FORWARDED_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** Answers to keyed writes are kept for replays up to this size. */
const MAX_STORED_ANSWER_BYTES = 1024 * 1024;
/** Answers of a declared size up to this are read whole and sent in one write; others stream through. */
const MAX_WHOLE_ANSWER_BYTES = 1024 * 1024;
/** Statuses whose responses never have a body (RFC 9110 §15.3.5, §15.4.5; Fetch's null body statuses). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

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
    const linkedAccount = c.get('linkedAccount');
    const { connection: client, proxy } = await services.providers.proxy(linkedAccount);
    const target = proxyTarget(rawPath, url.search.slice(1), client.baseUrl, proxy);
    // The provider's path policy (Personio: absences while the account hides absence details).
    const refusal = proxy.policy?.(target, linkedAccount);
    if (refusal) throw refusal;

    const method = c.req.method.toUpperCase();
    if (!FORWARDED_METHODS.has(method)) {
      throw new ApiError('method_not_allowed', `The proxy forwards ${[...FORWARDED_METHODS].join(', ')}.`, {
        headers: { Allow: [...FORWARDED_METHODS].join(', ') },
      });
    }
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

    // On Node the adapter passes the incoming message along: its raw header list is read as it is.
    const rawHeaders = (c.env as { incoming?: { rawHeaders?: unknown } } | undefined)?.incoming?.rawHeaders;
    const send = () =>
      client.send({
        method,
        url: target,
        headers: forwardedHeaderPairs(
          Array.isArray(rawHeaders) ? (rawHeaders as string[]) : c.req.raw.headers,
        ),
        body,
        // Reads are retried; a keyed write only where Personio says it did not act (429, 503): Personio
        // cannot de-duplicate writes, so after a timeout or 502/504 the outcome is kept, not guessed.
        retry: method === 'GET' || method === 'HEAD' ? true : idempotencyKey ? 'unprocessed' : false,
      });

    if (!idempotencyKey || method === 'GET' || method === 'HEAD') {
      return proxied(await send(), method, c.get('requestId'));
    }
    // A keyed write: the first answer is kept, so a replay of the key returns it without writing again.
    if (!IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)) {
      throw new ApiError(
        'invalid_request',
        'Idempotency-Key must be 1–255 printable characters without spaces.',
        {
          details: [{ field: 'Idempotency-Key', message: 'invalid format' }],
        },
      );
    }
    const bytes = new Uint8Array(body instanceof ArrayBuffer ? body : new ArrayBuffer(0));
    let oversized: { upstream: UpstreamResponse; body: ReadableStream<Uint8Array> | null } | null = null;
    const outcome = await withIdempotency(
      services.db,
      {
        environmentId: c.get('environment').id,
        scope: c.get('linkedAccount').id,
        key: idempotencyKey,
        method,
        path: `${target.pathname}${target.search}`,
        body: { sha256: await sha256Bytes(bytes), content_type: c.req.header('content-type') ?? null },
        now: services.now(),
      },
      async () => {
        const upstream = await send();
        const { answer, rest } = await storedAnswer(upstream);
        // Too large to keep: this caller gets it in full; a replay learns that the write was performed.
        if (rest !== undefined) oversized = { upstream, body: rest };
        return answer;
      },
      // Personio cannot be asked whether an arbitrary write happened: a cut-off one is reported, not re-sent.
      { onAbandoned: 'refuse' },
    );
    if (oversized && !outcome.replayed) {
      const { upstream, body } = oversized as {
        upstream: UpstreamResponse;
        body: ReadableStream<Uint8Array> | null;
      };
      return answered(upstream, body, c.get('requestId'));
    }
    const response = replayAnswer(
      outcome.response.body as StoredAnswer,
      outcome.response.status,
      c.get('requestId'),
    );
    if (outcome.replayed) response.headers.set('Idempotent-Replayed', 'true');
    return response;
  });
  return router;
}

/** Personio's answer as the caller's: small bodies whole (one write), others streamed. */
async function proxied(upstream: UpstreamResponse, method: string, requestId: string): Promise<Response> {
  if (method === 'HEAD' || NULL_BODY_STATUSES.has(upstream.status)) {
    await upstream.discard();
    return answered(upstream, null, requestId);
  }
  if (upstream.length !== null && upstream.length <= MAX_WHOLE_ANSWER_BYTES) {
    return answered(upstream, await upstream.bytes(), requestId);
  }
  return answered(upstream, upstream.stream(), requestId);
}

function answered(
  upstream: UpstreamResponse,
  body: Uint8Array | ReadableStream<Uint8Array> | null,
  requestId: string,
): Response {
  // A plain object, built once: the Node adapter hands it to `writeHead` as it is.
  const headers = returnedHeaderRecord(upstream.headerPairs());
  headers['x-roster-source'] = 'upstream';
  headers['x-request-id'] = requestId;
  return withRequestId(
    new Response(NULL_BODY_STATUSES.has(upstream.status) ? null : (body as BodyInit | null), {
      status: upstream.status,
      ...(upstream.statusText ? { statusText: upstream.statusText } : {}),
      headers,
    }),
  );
}

/** What is kept of a keyed write's answer: safe headers and the body, base64url-encoded (null: too large). */
interface StoredAnswer {
  headers: [string, string][];
  body: string | null;
}

/**
 * Reads an answer to keep it. One larger than what is kept is recorded without its body, and `rest`
 * is the whole body still to be sent to this caller (what was read, then what was not).
 */
async function storedAnswer(upstream: UpstreamResponse): Promise<{
  answer: { status: number; body: StoredAnswer };
  rest?: ReadableStream<Uint8Array> | null;
}> {
  const headers = [...returnedResponseHeaders(upstream.headers)];
  const unkept = { status: upstream.status, body: { headers, body: null } };
  if (upstream.length !== null && upstream.length > MAX_STORED_ANSWER_BYTES) {
    return { answer: unkept, rest: upstream.stream() };
  }
  const read = await readAtMost(upstream.stream(), MAX_STORED_ANSWER_BYTES);
  if ('rest' in read) return { answer: unkept, rest: read.rest };
  return { answer: { status: upstream.status, body: { headers, body: base64url.encode(read.bytes) } } };
}

/** Reads a body whole if it is at most `max` bytes; otherwise gives back a stream of all of it. */
async function readAtMost(
  stream: ReadableStream<Uint8Array> | null,
  max: number,
): Promise<{ bytes: Uint8Array } | { rest: ReadableStream<Uint8Array> }> {
  if (!stream) return { bytes: new Uint8Array(0) };
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size > max) {
      return {
        rest: new ReadableStream<Uint8Array>({
          pull: async (controller) => {
            const next = chunks.shift();
            if (next) return controller.enqueue(next);
            const { done: ended, value: more } = await reader.read();
            if (ended) controller.close();
            else controller.enqueue(more);
          },
          cancel: (reason) => reader.cancel(reason),
        }),
      };
    }
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { bytes };
}

function replayAnswer(answer: StoredAnswer, status: number, requestId: string): Response {
  if (answer.body === null) {
    throw new ApiError(
      'conflict',
      `The request with this Idempotency-Key was already sent to Personio (HTTP ${status}); its answer was too large to keep for replays.`,
      { details: { upstream_status: status }, headers: { 'Idempotent-Replayed': 'true' } },
    );
  }
  const headers = new Headers(answer.headers);
  headers.set('X-Roster-Source', 'upstream');
  headers.set('X-Request-Id', requestId);
  const body =
    status === 204 || status === 205 ? null : (base64url.decode(answer.body) as Uint8Array<ArrayBuffer>);
  return new Response(body, { status, headers });
}

async function sha256Bytes(bytes: Uint8Array): Promise<string> {
  return toHex(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
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
        '429/502/503/504 and timeouts; writes only when sent with an `Idempotency-Key`, whose first answer is then ' +
        'replayed for the same key (`Idempotent-Replayed: true`) and refused with 409 for another body. Paths with `..`, `//`, ' +
        '`\\`, `@`, a scheme or control characters (in any encoding) are refused with 400. The path is sent in one ' +
        'canonical encoding. While the linked account hides absence details, paths that reach absences, balances ' +
        'or report data are refused with 403.',
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
        ...linkedAccountErrorResponses(),
        // Personio's status passes through (201, 204, its own errors): any status not listed above.
        default: {
          description:
            "Personio's answer, as Personio sent it: its status, body and safe headers, with `X-Roster-Source: upstream`.",
        },
      },
    });
  }
}
