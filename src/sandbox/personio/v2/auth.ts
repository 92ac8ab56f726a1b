import type { Context, Hono, MiddlewareHandler } from 'hono';
import type { SandboxCredential } from '../credentials';
import { problem } from './problem';

/**
 * `POST /v2/auth/token` (spec credentials-service-api-v2): OAuth2 client credentials, form-encoded only,
 * every failure a 400 `application/problem+json` in the OAuth2 error shape. Tokens are stable for their
 * lifetime and reusable (REFERENCE §2.2), like v1's; they are a separate set from v1's because whether a
 * v1 token works on v2 (and back) is UNCONFIRMED.
 */

export const V2_SCOPES = [
  'personio:persons:read',
  'personio:absences:read',
  'personio:webhooks:read',
  'personio:webhooks:write',
] as const;

export type V2Env = { Variables: { credential: SandboxCredential; scopes: readonly string[] } };

interface IssuedV2Token {
  token: string;
  credential: SandboxCredential;
  scopes: readonly string[];
  expiresAtMs: number;
}

export interface V2TokenStore {
  issue(
    credential: SandboxCredential,
    scopes: readonly string[],
  ): { token: string; expiresInSeconds: number };
  find(token: string): IssuedV2Token | undefined;
  revoke(token: string): void;
  revokeAll(): void;
}

export function createV2TokenStore(ttlSeconds: number, now: () => Date): V2TokenStore {
  const byToken = new Map<string, IssuedV2Token>();
  const byKey = new Map<string, IssuedV2Token>();
  const remainingMs = (issued: IssuedV2Token) => issued.expiresAtMs - now().getTime();
  return {
    issue(credential, scopes) {
      const key = `${credential.clientId} ${[...scopes].sort().join(' ')}`;
      const current = byKey.get(key);
      if (current && remainingMs(current) > 0 && byToken.has(current.token)) {
        return { token: current.token, expiresInSeconds: Math.ceil(remainingMs(current) / 1000) };
      }
      const issued: IssuedV2Token = {
        token: `papi-${randomToken()}`,
        credential,
        scopes,
        expiresAtMs: now().getTime() + ttlSeconds * 1000,
      };
      byToken.set(issued.token, issued);
      byKey.set(key, issued);
      return { token: issued.token, expiresInSeconds: ttlSeconds };
    },
    find(token) {
      const issued = byToken.get(token);
      return issued && remainingMs(issued) > 0 ? issued : undefined;
    },
    revoke: (token) => void byToken.delete(token),
    revokeAll() {
      byToken.clear();
      byKey.clear();
    },
  };
}

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(48));
  return btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replaceAll('=', '');
}

function oauthError(c: Context, error: string, description: string, meta: Record<string, unknown> = {}) {
  return c.body(
    JSON.stringify({
      error,
      error_description: description,
      error_uri: `https://developer.personio.de/reference/errors#credentials.${error}`,
      timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      trace_id: crypto.randomUUID(),
      meta,
    }),
    400,
    { 'content-type': 'application/problem+json' },
  );
}

export function registerV2AuthRoutes(
  v2: Hono<V2Env>,
  options: {
    credentials: readonly SandboxCredential[];
    tokens: V2TokenStore;
    onAuthCall: () => void;
    /** false when the token rate limit is spent (150/min, REFERENCE §2.2) */
    allowTokenRequest: () => { ok: true } | { ok: false; retryAfterSeconds: number };
  },
): void {
  v2.post('/auth/token', async (c) => {
    options.onAuthCall();
    const limit = options.allowTokenRequest();
    if (!limit.ok) {
      return problem(c, 429, 'Too many token requests.', { 'retry-after': String(limit.retryAfterSeconds) });
    }
    const contentType = c.req.header('content-type') ?? '';
    if (!contentType.includes('application/x-www-form-urlencoded')) {
      return oauthError(
        c,
        'invalid_request',
        'The content type of the request must be application/x-www-form-urlencoded.',
      );
    }
    const body = await c.req.parseBody();
    const field = (name: string) => {
      const value = body[name];
      return typeof value === 'string' && value !== '' ? value : undefined;
    };
    const missing = ['grant_type', 'client_id', 'client_secret'].filter((name) => field(name) === undefined);
    if (missing.length > 0) {
      return oauthError(c, 'invalid_request', 'Required parameters are missing.', {
        missing_parameters: missing,
      });
    }
    if (field('grant_type') !== 'client_credentials') {
      return oauthError(c, 'unsupported_grant_type', 'Only the client_credentials grant type is supported.');
    }
    const known = options.credentials.find((credential) => credential.clientId === field('client_id'));
    if (!known) return oauthError(c, 'invalid_client', 'The client is not known.');
    if (known.clientSecret !== field('client_secret')) {
      return oauthError(
        c,
        'unauthorized_client',
        'The credentials were not correct. Make sure you are providing the right client_id and client_secret.',
      );
    }
    if (known.v2Scopes === null) {
      return oauthError(c, 'unauthorized_client', 'This client may not use the v2 API.');
    }
    const granted: readonly string[] = known.v2Scopes ?? V2_SCOPES;
    const requested = field('scope')?.split(/\s+/) ?? granted;
    if (requested.some((scope) => !granted.includes(scope))) {
      return oauthError(c, 'invalid_scope', 'The requested scope is invalid or not granted to this client.');
    }
    const { token, expiresInSeconds } = options.tokens.issue(known, requested);
    return c.json({
      access_token: token,
      token_type: 'Bearer',
      expires_in: expiresInSeconds,
      scope: requested.join(' '),
    });
  });

  v2.post('/auth/revoke', async (c) => {
    const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const token = (body as Record<string, unknown>).token;
    if (typeof token === 'string') options.tokens.revoke(token);
    return c.body(null, 200);
  });
}

/** Bearer check for v2 resources: 401 problem+json when missing, unknown or expired. */
export function requireV2Token(tokens: V2TokenStore): MiddlewareHandler<V2Env> {
  return async (c, next) => {
    const match = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization')?.trim() ?? '');
    if (!match) return problem(c, 401, 'Authorization is not provided.');
    const issued = tokens.find(match[1]!);
    if (!issued) return problem(c, 401, 'The provided access token is not valid.');
    c.set('credential', issued.credential);
    c.set('scopes', issued.scopes);
    await next();
  };
}

/** 403 problem+json when the token lacks the scope (REFERENCE §2.2). */
export function requireScope(scope: string): MiddlewareHandler<V2Env> {
  return async (c, next) => {
    if (!c.get('scopes').includes(scope)) return problem(c, 403, `The token lacks the scope ${scope}.`);
    await next();
  };
}
