import { ApiError } from '../../errors';

const MAX_DECODE_ROUNDS = 3;
// Characters with no business in a provider path, in any decoding: they are how requests escape a host.
const FORBIDDEN_CHARACTERS = /[\\@:\s#?]/;

function hasForbiddenCharacter(path: string): boolean {
  if (FORBIDDEN_CHARACTERS.test(path)) return true;
  for (let index = 0; index < path.length; index++) {
    const code = path.charCodeAt(index);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** The version segments a caller may name first, beside the base URL's default version. */
export interface ProxyLayout {
  versions: readonly string[];
  defaultVersion: string;
}

function refuse(reason: string): ApiError {
  return new ApiError('invalid_request', `The proxy path is not allowed: ${reason}.`, {
    details: [{ field: 'path', message: reason }],
  });
}

/**
 * Maps `/proxy/<path>?<query>` onto the linked account's Personio host and nowhere else.
 * `<path>` is relative to the v1 base (`/proxy/company/attendances`); `v1/…` and `v2/…` name the
 * API version explicitly (`/proxy/v2/persons`). The raw path is checked in every percent-decoding,
 * so `..`, `//`, `\`, `@`, schemes and control characters are refused however they are encoded,
 * and the final URL must still be on the Personio origin under the chosen version.
 *
 * The URL returned carries the canonical form of the path: fully decoded, then every segment
 * encoded one way (unreserved characters as they are, everything else `%XX`). Policies look at
 * that form and Personio receives exactly it, so no encoding can show one path to the gateway
 * and another to Personio (`time%2Doffs` is `time-offs` for both).
 */
export function proxyTarget(rawPath: string, rawQuery: string, baseUrl: string, layout: ProxyLayout): URL {
  if (rawPath === '') throw refuse('a provider path is required after /proxy/');
  let decoded = rawPath;
  for (let round = 0; ; round++) {
    checkDecoded(decoded);
    let next: string;
    try {
      next = decodeURIComponent(decoded);
    } catch {
      throw refuse('malformed percent-encoding');
    }
    if (next === decoded) break;
    if (round + 1 >= MAX_DECODE_ROUNDS) throw refuse('too many layers of percent-encoding');
    decoded = next;
  }

  const { base, defaultRoot, hostRoot } = parsedBase(baseUrl, layout.defaultVersion);
  let root = defaultRoot;
  let segments = decoded.split('/');
  const [first] = segments;
  if (first !== undefined && layout.versions.includes(first)) {
    root = `${hostRoot}/${first}`;
    segments = segments.slice(1);
    if (segments.length === 0) throw refuse('a provider path is required after the version');
  }

  const path = segments.map(canonicalSegment).join('/');
  const target = new URL(`${base.origin}${root}/${path}${rawQuery ? `?${rawQuery}` : ''}`);
  if (
    target.origin !== base.origin ||
    target.username ||
    target.password ||
    !target.pathname.startsWith(`${root}/`)
  ) {
    throw refuse("it leaves the provider's API");
  }
  return target;
}

interface ParsedBase {
  base: URL;
  defaultRoot: string;
  hostRoot: string;
}

/** Base URLs are few (one per provider host) and the same on every call: each is parsed once. */
const parsedBases = new Map<string, ParsedBase>();
const MAX_PARSED_BASES = 64;

function parsedBase(baseUrl: string, defaultVersion: string): ParsedBase {
  const key = `${defaultVersion} ${baseUrl}`;
  const known = parsedBases.get(key);
  if (known) return known;
  const base = new URL(baseUrl);
  const defaultRoot = base.pathname.replace(/\/$/, '');
  // Other versions sit beside the default one on the same host (`/v1/...` and `/v2/...`).
  const hostRoot = defaultRoot.endsWith(`/${defaultVersion}`)
    ? defaultRoot.slice(0, -(defaultVersion.length + 1))
    : defaultRoot;
  const parsed = { base, defaultRoot, hostRoot };
  if (parsedBases.size >= MAX_PARSED_BASES) parsedBases.clear();
  parsedBases.set(key, parsed);
  return parsed;
}

/** RFC 3986 unreserved characters stay; every other character is percent-encoded (UTF-8, upper-case hex). */
function canonicalSegment(segment: string): string {
  try {
    return encodeURIComponent(segment).replace(
      /[!'()*]/g,
      (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
    );
  } catch {
    throw refuse('malformed percent-encoding');
  }
}

function checkDecoded(path: string): void {
  if (hasForbiddenCharacter(path)) throw refuse('it contains a forbidden character');
  const segments = path.split('/');
  if (segments.some((segment) => segment === '')) throw refuse('empty path segments (`//`) are not allowed');
  if (segments.some((segment) => segment === '.' || segment === '..'))
    throw refuse('`.` and `..` segments are not allowed');
}
