/**
 * Vitest globalSetup: starts one throwaway PostgreSQL 15 and one Redis server per test run and provides their
 * URLs to tests via `inject('databaseUrl')` / `inject('redisUrl')`. Suites must not use `databaseUrl`
 * directly for their data: create an isolated database with `createTestDatabase(inject('databaseUrl'))`.
 */
import type { TestProject } from 'vitest/node';
import { type RunningServer, startPostgres, startRedis } from './servers';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL (superuser, `postgres` database) of the test PostgreSQL server. */
    databaseUrl: string;
    /** URL of the test Redis server; isolate keys with `redisKeyPrefix()`. */
    redisUrl: string;
  }
}

export default async function setup({ provide }: TestProject): Promise<() => Promise<void>> {
  const startedAt = Date.now();
  const results = await Promise.allSettled([startPostgres(), startRedis()]);
  const servers = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const stopAll = async () => {
    await Promise.allSettled(servers.map((server: RunningServer) => server.stop()));
  };

  const [pg, redis] = results;
  if (pg.status === 'rejected' || redis.status === 'rejected') {
    await stopAll();
    const errors = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
    throw new Error(errors.join('\n\n'));
  }

  provide('databaseUrl', pg.value.url);
  provide('redisUrl', redis.value.url);
  console.log(
    `[test harness] PostgreSQL ${pg.value.url} and Redis ${redis.value.url} ready in ${Date.now() - startedAt} ms`,
  );
  return stopAll;
}
