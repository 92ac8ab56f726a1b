import { Hono } from 'hono';
import type { CacheHealth } from '../cache/types';
import type { AppEnv } from '../context';
import { pingDatabase } from '../db/queries/health';

/** Seconds a load balancer or client is asked to wait while the database is unreachable. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/**
 * Probes for orchestrators, without auth. `/healthz` (and the older `/health`): the process serves HTTP.
 * `/readyz`: the database and the cache answer. The gateway can serve without Redis (each process falls
 * back to its own memory), so a cache that does not answer is `degraded` and still `200`; a database
 * that does not answer is `503`.
 */
export function healthRouter() {
  const router = new Hono<AppEnv>();
  for (const path of ['/health', '/healthz']) router.get(path, (c) => c.json({ status: 'ok' }));

  router.get('/readyz', async (c) => {
    const { db, cache, config } = c.get('services');
    // Each check is bounded, so a hung dependency cannot hang the probe.
    const [database, cacheHealth] = await Promise.all([
      within(config.databaseConnectTimeoutMs * 2, pingDatabase(db)).then(
        (): 'ok' | 'unavailable' => 'ok',
        (): 'ok' | 'unavailable' => 'unavailable',
      ),
      within(config.redisTimeoutMs * 2, cache.health()).catch(
        (): CacheHealth => ({ status: 'degraded', shared: false }),
      ),
    ]);
    const status = database !== 'ok' ? 'unavailable' : cacheHealth.status === 'ok' ? 'ready' : 'degraded';
    if (status === 'unavailable') c.header('Retry-After', String(DATABASE_RETRY_AFTER_SECONDS));
    c.header('Cache-Control', 'no-store');
    return c.json(
      { status, checks: { database: { status: database }, cache: cacheHealth } },
      status === 'unavailable' ? 503 : 200,
    );
  });
  return router;
}

function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
