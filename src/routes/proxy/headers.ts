/** Hop-by-hop headers (RFC 9110 §7.6.1) never travel through a proxy. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** What the caller sends for the gateway, not for Personio. */
const GATEWAY_REQUEST_HEADERS = new Set([
  'host',
  'authorization',
  'cookie',
  'content-length',
  'x-linked-account-id',
  'idempotency-key',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-real-ip',
  'x-personio-partner-id',
  'x-personio-app-id',
  // `100-continue` is answered by the gateway's own server.
  'expect',
]);

/**
 * Personio's answers must not leak the account's token (v1 echoes it in `Authorization`) or set
 * cookies on the gateway's origin. `Content-Encoding` and `Content-Length` stay: the transport keeps
 * them only while they describe the body it delivers.
 */
const UPSTREAM_ONLY_RESPONSE_HEADERS = new Set(['authorization', 'set-cookie']);

function connectionListed(headers: Headers): Set<string> {
  return new Set(
    (headers.get('connection') ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter(Boolean),
  );
}

export function forwardedRequestHeaders(incoming: Headers): Headers {
  const listed = connectionListed(incoming);
  const headers = new Headers();
  for (const [name, value] of incoming) {
    if (HOP_BY_HOP.has(name) || listed.has(name) || GATEWAY_REQUEST_HEADERS.has(name)) continue;
    if (name.startsWith('x-roster-') || name.startsWith('cf-')) continue;
    headers.append(name, value);
  }
  return headers;
}

export function returnedResponseHeaders(upstream: Headers): Headers {
  const listed = connectionListed(upstream);
  const headers = new Headers();
  for (const [name, value] of upstream) {
    if (HOP_BY_HOP.has(name) || listed.has(name) || UPSTREAM_ONLY_RESPONSE_HEADERS.has(name)) continue;
    headers.append(name, value);
  }
  return headers;
}
