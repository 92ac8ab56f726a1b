import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { AppEnv, Services } from '../context';
import { isWellFormedApiKey } from '../crypto/api-keys';
import { isDatabaseUnavailable } from '../db/client';
import { touchApiKey } from '../db/queries/api-keys';
import { ApiError } from '../errors';
import { addressBucket, clientAddress } from '../lib/client-address';
import { TOUCH_GRANULARITY_MS } from '../services/lookups';

/**
 * `Authorization: Bearer sk_…`: resolves the API key's environment; unknown or revoked keys get 401.
 * Lookups are cached per process for AUTH_CACHE_TTL_MS, so a revocation holds everywhere within it.
 * Wrong keys are counted per client address (AUTH_FAILURE_LIMIT per AUTH_FAILURE_WINDOW_SECONDS); an
 * address that has spent that budget gets 429 for the rest of the window, before any lookup, except for
 * keys this process found valid within the last 15 minutes.
 */
export const apiKeyAuth = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header('authorization');
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match) {
    throw new ApiError('unauthorized', 'Send your API key as `Authorization: Bearer sk_…`.', {
      headers: { 'WWW-Authenticate': 'Bearer' },
    });
  }
  const candidate = match[1]!;
  const services = c.get('services');
  const budget = services.authFailures;
  // Worked out only when a budget needs it: a known key found in the cache (the usual call) never does.
  let bucket: string | undefined;
  const address = () =>
    (bucket ??= addressBucket(clientAddress(c, services.config.clientIpHeader, services.clientAddress)));
  const wellFormed = isWellFormedApiKey(candidate);
  // A key this process found valid lately is not refused for the address's wrong keys: its owner may share
  // the address (a NAT, a proxy) with whoever sends them.
  const knownValid = wellFormed && services.lookups.recentlyValidApiKey(candidate);
  if (!knownValid) {
    const refused = budget.refusedFor(address());
    if (refused !== undefined) throw tooManyFailures(refused);
  }

  let found = wellFormed ? services.lookups.cachedApiKey(candidate) : null;
  if (found === undefined) {
    // About to query the database: first make sure another process has not seen this address spend its budget.
    const spent = knownValid ? undefined : await budget.spentFor(address());
    if (spent !== undefined) throw tooManyFailures(spent);
    found = await services.lookups.apiKey(candidate);
  }
  if (!found) {
    const over = await budget.recordFailure(address());
    if (over !== undefined) throw tooManyFailures(over);
    throw new ApiError('unauthorized', 'The API key is not valid or has been revoked.', {
      headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
    });
  }
  c.set('environment', found.environment);
  c.set('apiKeyId', found.apiKey.id);
  await touch(c, services, found.environment.id, found.apiKey);
  await next();
});

function tooManyFailures(waitMs: number): ApiError {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return new ApiError(
    'rate_limited',
    `Too many requests with a wrong API key from this address; retry after ${seconds} s.`,
    { headers: { 'Retry-After': String(seconds) } },
  );
}

/** `last_used_at` is bookkeeping: a database that cannot take the write must not fail a request the caches can serve. */
async function touch(
  c: Context<AppEnv>,
  services: Services,
  environmentId: string,
  apiKey: { id: string; lastUsedAt: Date | null },
): Promise<void> {
  const now = services.now();
  if (!services.lookups.shouldTouch(`api_key/${apiKey.id}`, apiKey.lastUsedAt, now)) return;
  try {
    await touchApiKey(services.db, {
      environmentId,
      id: apiKey.id,
      now,
      granularityMs: TOUCH_GRANULARITY_MS,
    });
  } catch (error) {
    if (!isDatabaseUnavailable(error)) throw error;
    services.logger.warn('could not record the use of an API key: the database is unavailable', {
      request_id: c.get('requestId'),
    });
  }
}
