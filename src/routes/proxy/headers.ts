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

function connectionListed(connection: string | null): Set<string> {
  return new Set(
    (connection ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter(Boolean),
  );
}

function forwarded(name: string, listed: Set<string>): boolean {
  return !(
    HOP_BY_HOP.has(name) ||
    listed.has(name) ||
    GATEWAY_REQUEST_HEADERS.has(name) ||
    name.startsWith('x-roster-') ||
    name.startsWith('cf-')
  );
}

/**
 * What goes on to Personio of the caller's headers. `incoming` is the request's `Headers`, or on Node the
 * raw list the HTTP parser produced (name, value, name, value, …), read as it is: building a `Headers`
 * object from it first costs more than the copy itself.
 */
export function forwardedRequestHeaders(incoming: Headers | readonly string[]): Headers {
  const headers = new Headers();
  if (!isRawList(incoming)) {
    const listed = connectionListed(incoming.get('connection'));
    for (const [name, value] of incoming) if (forwarded(name, listed)) headers.append(name, value);
    return headers;
  }
  let connection: string | null = null;
  for (let index = 0; index < incoming.length; index += 2) {
    if (incoming[index]!.toLowerCase() !== 'connection') continue;
    connection = connection === null ? incoming[index + 1]! : `${connection}, ${incoming[index + 1]}`;
  }
  const listed = connectionListed(connection);
  for (let index = 0; index < incoming.length; index += 2) {
    const name = incoming[index]!.toLowerCase();
    // HTTP/2 pseudo-headers (`:path`, `:authority`) are not headers.
    if (name.startsWith(':') || !forwarded(name, listed)) continue;
    headers.append(name, incoming[index + 1]!);
  }
  return headers;
}

function isRawList(incoming: Headers | readonly string[]): incoming is readonly string[] {
  return Array.isArray(incoming);
}

export function returnedResponseHeaders(upstream: Headers): Headers {
  const listed = connectionListed(upstream.get('connection'));
  const headers = new Headers();
  for (const [name, value] of upstream) {
    if (HOP_BY_HOP.has(name) || listed.has(name) || UPSTREAM_ONLY_RESPONSE_HEADERS.has(name)) continue;
    headers.append(name, value);
  }
  return headers;
}
