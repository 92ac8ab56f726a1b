import type { HeaderPairs } from '../../providers/http';

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

const NOTHING_LISTED: ReadonlySet<string> = new Set();

function connectionListed(connection: string | null | undefined): ReadonlySet<string> {
  // The usual case (none, or `keep-alive`/`close`) needs no set of its own.
  if (!connection || connection === 'keep-alive' || connection === 'close') return NOTHING_LISTED;
  return new Set(
    (connection ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter(Boolean),
  );
}

function forwarded(name: string, listed: ReadonlySet<string>): boolean {
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
  return new Headers(forwardedHeaderPairs(incoming));
}

/** `forwardedRequestHeaders` as name/value pairs (names lower-case), which the client sends as they are. */
export function forwardedHeaderPairs(incoming: Headers | readonly string[]): HeaderPairs {
  const pairs: HeaderPairs = [];
  if (!isRawList(incoming)) {
    const listed = connectionListed(incoming.get('connection'));
    for (const [name, value] of incoming) if (forwarded(name, listed)) pairs.push([name, value]);
    return pairs;
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
    pairs.push([name, incoming[index + 1]!]);
  }
  return pairs;
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

/**
 * `returnedResponseHeaders` as a plain object (names lower-case, a repeated header joined with `, `): on
 * Node the server writes it as it is, where a `Headers` would be copied and checked again.
 */
export function returnedHeaderRecord(upstream: Iterable<[string, string]>): Record<string, string> {
  const pairs = Array.isArray(upstream) ? (upstream as [string, string][]) : [...upstream];
  let connection: string | undefined;
  for (const [name, value] of pairs) {
    if (name === 'connection') connection = connection === undefined ? value : `${connection}, ${value}`;
  }
  const listed = connectionListed(connection);
  // No prototype: a header named `constructor` or `__proto__` is a header like any other.
  const record: Record<string, string> = Object.create(null);
  for (const [name, value] of pairs) {
    if (HOP_BY_HOP.has(name) || listed.has(name) || UPSTREAM_ONLY_RESPONSE_HEADERS.has(name)) continue;
    const earlier = record[name];
    record[name] = earlier === undefined ? value : `${earlier}, ${value}`;
  }
  return record;
}
