import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import type { Services } from '../context';
import { newId } from '../crypto/random';
import type { SecretBox } from '../crypto/secret-box';
import { getEnvironment } from '../db/queries/environments';
import { clearExpiredLinkTokenSessions, createLinkToken, getLinkToken } from '../db/queries/link-tokens';
import type { Environment, Integration, LinkToken } from '../db/schema';

/** Link tokens are HS256 JWTs for this audience, signed with a key derived from the encryption key. */
const AUDIENCE = 'roster:link';
const ALGORITHM = 'HS256';

const signingKeys = new WeakMap<SecretBox, Promise<CryptoKey>>();

function signingKey(secretBox: SecretBox): Promise<CryptoKey> {
  let key = signingKeys.get(secretBox);
  if (!key) {
    key = secretBox.deriveKey('link-token');
    signingKeys.set(secretBox, key);
  }
  return key;
}

export interface IssueLinkTokenInput {
  environmentId: string;
  integration: Integration;
  linkedAccountId?: string | null | undefined;
  originId: string;
  organizationName?: string | null | undefined;
  email?: string | null | undefined;
  redirectUri?: string | null | undefined;
  allowedOrigins: string[];
  state?: string | null | undefined;
  ttlSeconds: number;
}

export interface IssuedLinkToken {
  linkToken: LinkToken;
  token: string;
  url: string;
}

/**
 * A link token is a signed JWT naming a `link_tokens` row (`jti`) of one environment (`env`). The
 * signature and `exp` refuse forged and expired tokens before any database read; the row holds what the
 * page needs and makes the token single use (`consumed_at`).
 */
export async function issueLinkToken(
  services: Services,
  input: IssueLinkTokenInput,
): Promise<IssuedLinkToken> {
  const now = services.now();
  const expiresAt = new Date(now.getTime() + input.ttlSeconds * 1000);
  // Abandoned flows of this environment drop their sealed credentials as new ones start.
  await clearExpiredLinkTokenSessions(services.db, { environmentId: input.environmentId, now });
  const linkToken = await createLinkToken(services.db, {
    id: newId('lt'),
    environmentId: input.environmentId,
    integration: input.integration,
    linkedAccountId: input.linkedAccountId ?? null,
    originId: input.originId,
    organizationName: input.organizationName ?? null,
    email: input.email ?? null,
    redirectUri: input.redirectUri ?? null,
    allowedOrigins: input.allowedOrigins,
    state: input.state ?? null,
    expiresAt,
    now,
  });
  const token = await new SignJWT({ env: input.environmentId })
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
    .setJti(linkToken.id)
    .setAudience(AUDIENCE)
    .setIssuedAt(Math.floor(now.getTime() / 1000))
    .setExpirationTime(Math.ceil(expiresAt.getTime() / 1000))
    .sign(await signingKey(services.secretBox));
  return { linkToken, token, url: `${services.config.publicUrl}/link/${token}` };
}

export type ResolvedLinkToken =
  | { status: 'valid'; linkToken: LinkToken; environment: Environment }
  | { status: 'invalid' | 'expired' | 'used'; linkToken?: LinkToken | undefined };

/** Verifies a link token and finds its row: `invalid` (forged, malformed, unknown), `expired`, `used` or `valid`. */
export async function resolveLinkToken(services: Services, token: string): Promise<ResolvedLinkToken> {
  const now = services.now();
  let claims: { jti?: string | undefined; env?: unknown };
  try {
    ({ payload: claims } = await jwtVerify(token, await signingKey(services.secretBox), {
      algorithms: [ALGORITHM],
      audience: AUDIENCE,
      currentDate: now,
      requiredClaims: ['jti', 'exp', 'env'],
    }));
  } catch (error) {
    return { status: error instanceof joseErrors.JWTExpired ? 'expired' : 'invalid' };
  }
  if (typeof claims.env !== 'string' || typeof claims.jti !== 'string') return { status: 'invalid' };
  const linkToken = await getLinkToken(services.db, { environmentId: claims.env, id: claims.jti });
  if (!linkToken) return { status: 'invalid' };
  if (linkToken.consumedAt) return { status: 'used', linkToken };
  if (linkToken.expiresAt.getTime() <= now.getTime()) return { status: 'expired', linkToken };
  const environment = await getEnvironment(services.db, linkToken.environmentId);
  if (!environment) return { status: 'invalid' };
  return { status: 'valid', linkToken, environment };
}
