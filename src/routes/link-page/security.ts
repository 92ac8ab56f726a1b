import type { Context } from 'hono';
import type { Cache } from '../../cache/types';
import { base64url, utf8 } from '../../crypto/encoding';
import type { SecretBox } from '../../crypto/secret-box';
import type { LinkToken } from '../../db/schema';

/**
 * Response headers of every link page. The page loads nothing from anywhere: inline CSS and JS run only
 * with this response's nonce, forms post only to the gateway (and, for the final redirect, to the
 * developer's `redirect_uri` origin), and only the token's `allowed_origins` may frame it. No
 * Cross-Origin-Opener-Policy: `same-origin` would cut `window.opener`, and with it the postMessage to the
 * developer's page that opened the popup.
 */
export function setLinkPageHeaders(c: Context, nonce: string, linkToken?: LinkToken): void {
  const formAction = ["'self'"];
  if (linkToken?.redirectUri) formAction.push(new URL(linkToken.redirectUri).origin);
  const frameAncestors = linkToken?.allowedOrigins.length ? linkToken.allowedOrigins.join(' ') : "'none'";
  c.header(
    'Content-Security-Policy',
    [
      "default-src 'none'",
      `script-src 'nonce-${nonce}'`,
      `style-src 'nonce-${nonce}'`,
      `form-action ${formAction.join(' ')}`,
      `frame-ancestors ${frameAncestors}`,
      "base-uri 'none'",
      "require-trusted-types-for 'script'",
      "trusted-types 'none'",
    ].join('; '),
  );
  if (frameAncestors === "'none'") c.header('X-Frame-Options', 'DENY');
  c.header('Cache-Control', 'no-store');
  // The token is in the URL: never hand it to another origin (the redirect target) as a Referer.
  // `same-origin` rather than `no-referrer`, which would make browsers send `Origin: null` on the
  // page's own form posts and defeat the origin check.
  c.header('Referrer-Policy', 'same-origin');
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('Cross-Origin-Resource-Policy', 'same-origin');
  c.header('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=(), usb=()');
  c.header('X-Robots-Tag', 'noindex, nofollow');
}

/**
 * A browser's cross-site form post is refused: `Sec-Fetch-Site` must say same-origin where the browser
 * sends it, and `Origin` must be the gateway's. Clients that send neither (not browsers) still need the
 * CSRF token.
 */
export function isSameOriginPost(c: Context, publicUrl: string): boolean {
  const site = c.req.header('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin') return false;
  const origin = c.req.header('origin');
  if (origin === undefined) return true;
  return origin === new URL(publicUrl).origin || origin === new URL(c.req.url).origin;
}

const csrfKeys = new WeakMap<SecretBox, Promise<CryptoKey>>();

function csrfKey(secretBox: SecretBox): Promise<CryptoKey> {
  let key = csrfKeys.get(secretBox);
  if (!key) {
    key = secretBox.deriveKey('link-csrf');
    csrfKeys.set(secretBox, key);
  }
  return key;
}

/** What a CSRF token is bound to: the link token and the current step of its flow. */
export interface CsrfBinding {
  linkTokenId: string;
  step: string;
  nonce: string;
}

function csrfMessage(binding: CsrfBinding): Uint8Array<ArrayBuffer> {
  return utf8(`${binding.linkTokenId}\n${binding.step}\n${binding.nonce}`);
}

/**
 * Synchronizer token for the page's forms: an HMAC over the link token id and the step's nonce (which
 * changes whenever the flow moves on), so a form is accepted only for the step it was rendered for.
 */
export async function csrfToken(secretBox: SecretBox, binding: CsrfBinding): Promise<string> {
  const mac = await crypto.subtle.sign('HMAC', await csrfKey(secretBox), csrfMessage(binding));
  return base64url.encode(new Uint8Array(mac));
}

export async function verifyCsrfToken(
  secretBox: SecretBox,
  binding: CsrfBinding,
  presented: unknown,
): Promise<boolean> {
  if (typeof presented !== 'string' || presented.length === 0 || presented.length > 100) return false;
  let signature: Uint8Array<ArrayBuffer>;
  try {
    signature = base64url.decode(presented) as Uint8Array<ArrayBuffer>;
  } catch {
    return false;
  }
  // subtle.verify compares in constant time.
  return crypto.subtle.verify('HMAC', await csrfKey(secretBox), signature, csrfMessage(binding));
}

/** Submissions that reach Personio (credentials, re-check) per link token and window. */
export const LINK_ATTEMPT_LIMIT = 10;
export const LINK_ATTEMPT_WINDOW_MS = 15 * 60_000;

/** Counts one submission; false once the token has used its budget for the window. */
export async function takeLinkAttempt(cache: Cache, linkTokenId: string): Promise<boolean> {
  const count = await cache.increment(`link:attempts:${linkTokenId}`, LINK_ATTEMPT_WINDOW_MS);
  return count <= LINK_ATTEMPT_LIMIT;
}
