import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../context';
import { isWellFormedApiKey } from '../crypto/api-keys';
import { touchApiKey } from '../db/queries/api-keys';
import { ApiError } from '../errors';
import { TOUCH_GRANULARITY_MS } from '../services/lookups';

/**
 * `Authorization: Bearer sk_…`: resolves the API key's environment; unknown or revoked keys get 401.
 * Lookups are cached per process for AUTH_CACHE_TTL_MS, so a revocation holds everywhere within it.
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
  const found = isWellFormedApiKey(candidate) ? await services.lookups.apiKey(candidate) : undefined;
  if (!found) {
    throw new ApiError('unauthorized', 'The API key is not valid or has been revoked.', {
      headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
    });
  }
  c.set('environment', found.environment);
  c.set('apiKeyId', found.apiKey.id);
  const now = services.now();
  if (services.lookups.shouldTouch(`api_key/${found.apiKey.id}`, found.apiKey.lastUsedAt, now)) {
    await touchApiKey(services.db, {
      environmentId: found.environment.id,
      id: found.apiKey.id,
      now,
      granularityMs: TOUCH_GRANULARITY_MS,
    });
  }
  await next();
});
