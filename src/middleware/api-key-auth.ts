import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../context';
import { hashApiKey, isWellFormedApiKey } from '../crypto/api-keys';
import { findActiveApiKeyByHash, touchApiKey } from '../db/queries/api-keys';
import { ApiError } from '../errors';

const TOUCH_GRANULARITY_MS = 60_000;

/** `Authorization: Bearer sk_…`: resolves the API key's environment; unknown or revoked keys get 401. */
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
  const found = isWellFormedApiKey(candidate)
    ? await findActiveApiKeyByHash(services.db, await hashApiKey(candidate))
    : undefined;
  if (!found) {
    throw new ApiError('unauthorized', 'The API key is not valid or has been revoked.', {
      headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
    });
  }
  c.set('environment', found.environment);
  c.set('apiKeyId', found.apiKey.id);
  const now = services.now();
  if (!found.apiKey.lastUsedAt || now.getTime() - found.apiKey.lastUsedAt.getTime() > TOUCH_GRANULARITY_MS) {
    await touchApiKey(services.db, {
      environmentId: found.environment.id,
      id: found.apiKey.id,
      now,
      granularityMs: TOUCH_GRANULARITY_MS,
    });
  }
  await next();
});
