/**
 * Which addresses webhooks may be sent to. Runtime-neutral (no DNS here): the URL check runs at endpoint
 * creation and before every attempt, and on Node the connection's own DNS lookup applies
 * `isAddressAllowed` to the address actually connected to (see runtime/node-webhook-sender.ts).
 */

/** `public`: https to public addresses only. `loopback`: also this machine (http too). `private`: also private networks. */
export const WEBHOOK_TARGET_POLICIES = ['public', 'loopback', 'private'] as const;
export type WebhookTargetPolicy = (typeof WEBHOOK_TARGET_POLICIES)[number];

export type AddressClass = 'public' | 'loopback' | 'private' | 'link_local' | 'metadata' | 'reserved';

const ALLOWED: Record<WebhookTargetPolicy, AddressClass[]> = {
  public: ['public'],
  loopback: ['public', 'loopback'],
  private: ['public', 'loopback', 'private'],
};

export class EgressRefused extends Error {
  override name = 'EgressRefused';
}

function parseIpv4(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const bytes = parts.map((part) => (/^\d{1,3}$/.test(part) ? Number(part) : Number.NaN));
  return bytes.every((byte) => byte >= 0 && byte <= 255) ? bytes : null;
}

/** Eight 16-bit groups, or null; an embedded dotted IPv4 tail (`::ffff:1.2.3.4`) is accepted. */
function parseIpv6(text: string): number[] | null {
  let address = text
    .replace(/^\[|\]$/g, '')
    .split('%')[0]!
    .toLowerCase();
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (tail) {
    const v4 = parseIpv4(tail[1]!);
    if (!v4) return null;
    address = `${address.slice(0, -tail[1]!.length)}${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const halves = address.split('::');
  if (halves.length > 2) return null;
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [...head, ...Array(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  const values = all.map((group) =>
    /^[0-9a-f]{1,4}$/.test(group) ? Number.parseInt(group, 16) : Number.NaN,
  );
  return values.every((value) => !Number.isNaN(value)) ? values : null;
}

function classifyIpv4([a, b, c, d]: number[]): AddressClass {
  if (a === 127) return 'loopback';
  if (a === 169 && b === 254) return c === 169 && d === 254 ? 'metadata' : 'link_local';
  if (a === 100 && b === 100 && c === 100 && d === 200) return 'metadata'; // Alibaba Cloud
  if (a === 10 || (a === 172 && b! >= 16 && b! <= 31) || (a === 192 && b === 168)) return 'private';
  if (a === 100 && b! >= 64 && b! <= 127) return 'private'; // carrier-grade NAT
  if (a === 0 || a! >= 224 || (a === 192 && b === 0 && c === 0) || (a === 198 && (b === 18 || b === 19)))
    return 'reserved';
  return 'public';
}

function classifyIpv6(groups: number[]): AddressClass {
  const [g0, g1, g2, g3, g4, g5, g6, g7] = groups as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const v4 = (high: number, low: number) => classifyIpv4([high >> 8, high & 255, low >> 8, low & 255]);
  if (groups.every((group) => group === 0)) return 'reserved';
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0 && g6 === 0 && g7 === 1)
    return 'loopback';
  // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) reach the IPv4 address inside.
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff) return v4(g6, g7);
  if (g0 === 0x64 && g1 === 0xff9b) return v4(g6, g7);
  // IPv4-compatible (::a.b.c.d, deprecated) and 6to4 (2002:AABB:CCDD::/48) carry an IPv4 address too.
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return v4(g6, g7);
  if (g0 === 0x2002) return v4(g1, g2);
  // Teredo (2001:0::/32) hides its IPv4 address; site-local (fec0::/10) is deprecated private space.
  if (g0 === 0x2001 && g1 === 0) return 'reserved';
  if ((g0 & 0xffc0) === 0xfec0) return 'private';
  if (g0 === 0xfd00 && g1 === 0x0ec2 && g7 === 0x254 && !g2 && !g3 && !g4 && !g5 && !g6) return 'metadata'; // AWS
  if ((g0 & 0xffc0) === 0xfe80) return 'link_local';
  if ((g0 & 0xfe00) === 0xfc00) return 'private';
  if ((g0 & 0xff00) === 0xff00) return 'reserved';
  return 'public';
}

/** The class of an IP address literal, or null when `text` is not one. */
export function classifyAddress(text: string): AddressClass | null {
  const v4 = parseIpv4(text);
  if (v4) return classifyIpv4(v4);
  const v6 = text.includes(':') ? parseIpv6(text) : null;
  return v6 ? classifyIpv6(v6) : null;
}

export function isAddressAllowed(address: string, policy: WebhookTargetPolicy): boolean {
  const kind = classifyAddress(address);
  return kind !== null && ALLOWED[policy].includes(kind);
}

/** Why `url` may not receive webhooks under `policy`, or null when it may (DNS names are checked on connect). */
export function webhookUrlProblem(url: string, policy: WebhookTargetPolicy): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be an absolute URL';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'must be an https URL';
  if (parsed.protocol === 'http:' && policy === 'public') {
    return 'must be https (http is allowed only where the deployment allows local targets)';
  }
  if (parsed.username || parsed.password) return 'must not carry credentials';
  const host = parsed.hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
  const kind = host === 'localhost' || host.endsWith('.localhost') ? 'loopback' : classifyAddress(host);
  if (kind !== null && !ALLOWED[policy].includes(kind)) {
    return `must not point at a ${kind.replace('_', '-')} address (refused by the deployment's WEBHOOK_TARGETS=${policy})`;
  }
  return null;
}
