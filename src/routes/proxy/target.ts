import { ApiError } from '../../errors';

const MAX_DECODE_ROUNDS = 3;
// Characters with no business in a Personio path, in any decoding: they are how requests escape a host.
const FORBIDDEN_CHARACTERS = /[\\@:\s#?]/;

function hasForbiddenCharacter(path: string): boolean {
  if (FORBIDDEN_CHARACTERS.test(path)) return true;
  for (let index = 0; index < path.length; index++) {
    const code = path.charCodeAt(index);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
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
 */
export function proxyTarget(rawPath: string, rawQuery: string, v1BaseUrl: string): URL {
  if (rawPath === '') throw refuse('a Personio path is required after /proxy/');
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

  const base = new URL(v1BaseUrl);
  const v1Root = base.pathname.replace(/\/$/, '');
  // The v2 API sits beside v1 on the same host (`/v1/...` and `/v2/...`).
  const hostRoot = v1Root.replace(/\/v1$/, '');
  let root = v1Root;
  let rest = rawPath;
  const [first] = rawPath.split('/');
  if (first === 'v1' || first === 'v2') {
    root = `${hostRoot}/${first}`;
    rest = rawPath.slice(first.length + 1);
    if (rest === '') throw refuse('a Personio path is required after the version');
  }

  const target = new URL(`${base.origin}${root}/${rest}${rawQuery ? `?${rawQuery}` : ''}`);
  if (
    target.origin !== base.origin ||
    target.username ||
    target.password ||
    !target.pathname.startsWith(`${root}/`)
  ) {
    throw refuse('it leaves the Personio API');
  }
  return target;
}

function checkDecoded(path: string): void {
  if (hasForbiddenCharacter(path)) throw refuse('it contains a forbidden character');
  const segments = path.split('/');
  if (segments.some((segment) => segment === '')) throw refuse('empty path segments (`//`) are not allowed');
  if (segments.some((segment) => segment === '.' || segment === '..'))
    throw refuse('`.` and `..` segments are not allowed');
}
