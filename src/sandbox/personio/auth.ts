import type { Context, Hono, MiddlewareHandler } from 'hono';
import { attributeAccess, type CanRead } from './attributes';
import { SANDBOX_SCOPES, type SandboxCredential, type SandboxScope } from './credentials';
import { personioError } from './errors';

/** Request-scoped values the bearer check hands to resource routes. */
export type SandboxEnv = { Variables: { credential: SandboxCredential; canRead: CanRead } };

const TOKEN_PREFIX = 'papi-';
/** Scope string in the style of the auth spec example (`employees:read absences:read`). */
const TOKEN_SCOPE = 'employees:read';

interface IssuedToken {
  token: string;
  credential: SandboxCredential;
  expiresAtMs: number;
}

export interface TokenStore {
  /** Returns the credential's live token, or a new one once the old one expired or was revoked. */
  issue(credential: SandboxCredential): { token: string; expiresInSeconds: number };
  credentialFor(token: string): SandboxCredential | undefined;
  revokeAll(): void;
}

export function createTokenStore(ttlSeconds: number, now: () => Date): TokenStore {
  const byToken = new Map<string, IssuedToken>();
  const byClientId = new Map<string, IssuedToken>();
  const remainingMs = (issued: IssuedToken) => issued.expiresAtMs - now().getTime();

  return {
    issue(credential) {
      const current = byClientId.get(credential.clientId);
      if (current && remainingMs(current) > 0) {
        // Personio keeps one stable token per credential for 24 h; expires_in then counts what is left of it.
        return { token: current.token, expiresInSeconds: Math.ceil(remainingMs(current) / 1000) };
      }
      if (current) byToken.delete(current.token);
      const issued = {
        token: `${TOKEN_PREFIX}${randomHex(32)}`,
        credential,
        expiresAtMs: now().getTime() + ttlSeconds * 1000,
      };
      byToken.set(issued.token, issued);
      byClientId.set(credential.clientId, issued);
      return { token: issued.token, expiresInSeconds: ttlSeconds };
    },
    credentialFor(token) {
      const issued = byToken.get(token);
      return issued && remainingMs(issued) > 0 ? issued.credential : undefined;
    },
    revokeAll() {
      byToken.clear();
      byClientId.clear();
    },
  };
}

function randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (byte) =>
    byte.toString(16).padStart(2, '0'),
  ).join('');
}

/** Body (JSON or form) first; the query string is the deprecated fallback Personio still accepts. */
async function readClientCredentials(c: Context): Promise<{ clientId?: string; clientSecret?: string }> {
  const contentType = c.req.header('content-type') ?? '';
  let body: Record<string, unknown> = {};
  if (contentType.includes('application/json')) {
    const parsed: unknown = await c.req.json().catch(() => undefined);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
      body = parsed as Record<string, unknown>;
  } else if (
    contentType.includes('application/x-www-form-urlencoded') ||
    contentType.includes('multipart/form-data')
  ) {
    body = await c.req.parseBody();
  }
  const field = (name: string): string | undefined => {
    const fromBody = body[name];
    const value = typeof fromBody === 'string' && fromBody !== '' ? fromBody : c.req.query(name);
    return value === '' ? undefined : value;
  };
  return { clientId: field('client_id'), clientSecret: field('client_secret') };
}

export function registerAuthRoute(
  v1: Hono<SandboxEnv>,
  options: { credentials: readonly SandboxCredential[]; tokens: TokenStore; onAuthCall: () => void },
): void {
  v1.post('/auth', async (c) => {
    options.onAuthCall();
    const { clientId, clientSecret } = await readClientCredentials(c);
    if (clientId === undefined || clientSecret === undefined) {
      return personioError(c, 400, 'The client_id and client_secret fields are required.');
    }
    const credential = options.credentials.find(
      (candidate) => candidate.clientId === clientId && candidate.clientSecret === clientSecret,
    );
    // UNCONFIRMED: Personio documents no status for wrong client credentials; 401 is what clients
    // treat as "credentials are wrong, do not retry with the same ones".
    if (!credential) return personioError(c, 401, 'The provided client credentials are not valid.');
    const { token, expiresInSeconds } = options.tokens.issue(credential);
    const scope = (credential.scopes ?? SANDBOX_SCOPES).join(' ') || TOKEN_SCOPE;
    return c.json({ success: true, data: { token, expires_in: expiresInSeconds, scope } });
  });
}

/**
 * Bearer check for every resource route. Missing → 401 (spec example). A well-formed `papi-` token that is
 * unknown, expired or revoked → 401: that is what real expired tokens get and what clients re-authenticate
 * on. Anything that is not a `papi-` bearer token → 403, the spec's "bad token" example.
 */
export function requireBearerToken(tokens: TokenStore): MiddlewareHandler<SandboxEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization')?.trim() ?? '';
    const [scheme = '', token = '', ...rest] = header.split(/\s+/);
    if (header === '' || (/^bearer$/i.test(scheme) && token === '')) {
      return personioError(c, 401, 'Authorization is not provided');
    }
    if (!/^bearer$/i.test(scheme) || rest.length > 0 || !token.startsWith(TOKEN_PREFIX)) {
      return personioError(c, 403, 'Provided authorization is not valid');
    }
    const credential = tokens.credentialFor(token);
    if (!credential) return personioError(c, 401, 'Provided authorization is not valid');

    c.set('credential', credential);
    c.set('canRead', attributeAccess(credential.whitelist));
    await next();
    // Clients written for the old rotating tokens read the next token from this header; echo the stable one.
    if (c.res.ok) c.res.headers.set('Authorization', `Bearer ${token}`);
  };
}

/** The access right a v1 resource request needs; null for paths outside the modelled rights. */
export function requiredScope(method: string, path: string): SandboxScope | null {
  const write = method !== 'GET' && method !== 'HEAD';
  const resource = /\/company\/(?:time-offs|absence-periods|time-off-types)\b|\/absences\/balance$/.test(path)
    ? 'absences'
    : /\/company\/attendances\b/.test(path)
      ? 'attendances'
      : /\/company\/employees\b/.test(path)
        ? 'employees'
        : null;
  return resource ? (`${resource}:${write ? 'write' : 'read'}` as SandboxScope) : null;
}

/** Refuses a request the credential's access rights do not cover, as Personio does (403). */
export function requireScope(): MiddlewareHandler<SandboxEnv> {
  return async (c, next) => {
    const scopes = c.get('credential').scopes;
    const needed = requiredScope(c.req.method, new URL(c.req.url).pathname);
    if (scopes && needed && !scopes.includes(needed)) {
      return personioError(
        c,
        403,
        `This API credential has no access right for ${needed.replace(':', ' ')}.`,
      );
    }
    await next();
  };
}
