import type { Context } from 'hono';

/**
 * The client's address for per-client budgets. With `header` (CLIENT_IP_HEADER, set only when a proxy the
 * operator trusts writes it) the last entry of that header counts: proxies append the address they saw,
 * so earlier entries are whatever the client sent. Without it, or when the header is missing, the runtime's
 * address (the connection's on Node, `CF-Connecting-IP` on Workers).
 */
export function clientAddress(
  c: Context,
  header: string | undefined,
  fromRuntime: ((c: Context) => string | undefined) | undefined,
): string | undefined {
  if (header) {
    const entries = c.req.header(header)?.split(',');
    const last = entries?.[entries.length - 1]?.trim();
    if (last) return last;
  }
  return fromRuntime?.(c);
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const MAX_KEY_LENGTH = 64;

/**
 * What a budget counts an address under: an IPv4 address as it is, an IPv6 address by its /64 (one
 * subscriber usually holds a whole /64, so single addresses would let it rotate at will), an
 * IPv4-mapped IPv6 address as the IPv4 one. Ports and brackets are dropped; no address at all is
 * `unknown` (those requests share one budget rather than escape it).
 */
export function addressBucket(address: string | undefined): string {
  let value = address?.trim().toLowerCase() ?? '';
  if (!value) return 'unknown';
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(value);
  if (bracketed) value = bracketed[1]!;
  const withPort = /^([\d.]+):\d+$/.exec(value);
  if (withPort) value = withPort[1]!;
  value = value.replace(/%.*$/, '');
  if (IPV4.test(value)) return value;
  const mapped = /^::ffff:([\d.]+)$/.exec(value);
  if (mapped && IPV4.test(mapped[1]!)) return mapped[1]!;
  const groups = ipv6Groups(value);
  if (groups) return `${groups.slice(0, 4).join(':')}::/64`;
  return value.slice(0, MAX_KEY_LENGTH);
}

/** The eight 16-bit groups of an IPv6 address (without leading zeros), or undefined when it is not one. */
function ipv6Groups(value: string): string[] | undefined {
  if (!/^[0-9a-f:.]+$/.test(value) || value.split('::').length > 2) return undefined;
  const [head = '', tail] = value.split('::');
  const split = (part: string) => (part ? part.split(':') : []);
  const left = split(head);
  const right = tail === undefined ? [] : split(tail);
  // An embedded IPv4 tail (::ffff:1.2.3.4 forms other than the mapped one) is two groups.
  const last = right.length ? right : left;
  const ipv4 = IPV4.exec(last[last.length - 1] ?? '');
  if (ipv4) {
    const [a, b, c, d] = ipv4.slice(1).map(Number) as [number, number, number, number];
    last.splice(last.length - 1, 1, ((a << 8) | b).toString(16), ((c << 8) | d).toString(16));
  }
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return undefined;
  const groups = [...left, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...right];
  if (!groups.every((group) => /^[0-9a-f]{1,4}$/.test(group))) return undefined;
  return groups.map((group) => Number.parseInt(group, 16).toString(16));
}
