import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApp } from '../../src/app';
import { parseConfig } from '../../src/config';
import { createLogger, type Logger, silentLogger } from '../../src/lib/logger';
import { createNodeRuntime, type NodeRuntime } from '../../src/runtime/node-runtime';
import type { PersonioSandbox } from '../../src/sandbox/personio';
import { createTestDatabase, redisKeyPrefix, type TestDatabase } from '../harness/databases';
import { type RestartableServer, startPostgres, startRedis } from '../harness/servers';
import {
  createPersonioSandbox,
  createTenant,
  ENCRYPTION_KEY,
  openStorage,
  PERSONIO_TEST_BASE_URL,
  type Storage,
  startGateway,
  type Tenant,
  type TestGateway,
} from '../support/gateway';
import { waitUntil } from '../support/wait';

/**
 * PostgreSQL and Redis are taken down and brought back under running gateways. The servers are this
 * suite's own (other suites keep using the shared ones); each comes back on the same port, so the
 * gateways' clients reconnect to the URL they were given.
 */

interface Gateway extends TestGateway {
  runtime: NodeRuntime;
}

/** A gateway wired as `npm start` wires it (Node runtime: postgres.js, ioredis), minus the HTTP server. */
async function nodeGateway(
  env: Record<string, string>,
  sandbox: PersonioSandbox,
  logger: Logger = silentLogger,
): Promise<Gateway> {
  const config = parseConfig({
    ENCRYPTION_KEY,
    PERSONIO_BASE_URL: PERSONIO_TEST_BASE_URL,
    SANDBOX: 'false',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const runtime = await createNodeRuntime(config, { logger, fetch: sandbox.fetch });
  const app = await createApp(runtime.deps);
  return {
    app,
    deps: runtime.deps,
    runtime,
    request: (path, init = {}) => Promise.resolve(app.request(path, { headers: init.headers })),
  };
}

function withTenant(gateway: Gateway, tenant: Tenant): Gateway {
  return {
    ...gateway,
    request(path, init = {}) {
      const headers = {
        authorization: `Bearer ${tenant.apiKey}`,
        'x-linked-account-id': tenant.linkedAccountId,
        ...init.headers,
      };
      return Promise.resolve(gateway.app.request(path, { headers }));
    },
  };
}

interface Readiness {
  status: string;
  checks: { database: { status: string }; cache: { status: string; shared: boolean } };
}

async function readiness(
  gateway: TestGateway,
): Promise<{ status: number; body: Readiness; response: Response }> {
  const response = await gateway.request('/readyz');
  return { status: response.status, body: (await response.json()) as Readiness, response };
}

const EMPLOYEES = '/unified/hris/employees?limit=1';

describe('Redis down: the gateway keeps serving from per-process memory', () => {
  let redis: RestartableServer;
  let database: TestDatabase;
  let sandbox: PersonioSandbox;
  let first: Gateway;
  let second: Gateway;
  let inspector: Redis;
  const prefix = `roster:${redisKeyPrefix()}`;
  const logLines: string[] = [];

  beforeAll(async () => {
    redis = await startRedis({ throwaway: true });
    database = await createTestDatabase(inject('databaseUrl'));
    sandbox = createPersonioSandbox({ employees: 20 });
    const env = { DATABASE_URL: database.url, REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix };
    first = await nodeGateway(
      env,
      sandbox,
      createLogger('warn', (line) => logLines.push(line)),
    );
    second = await nodeGateway(env, sandbox);
    inspector = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    inspector.on('error', () => {});
  });

  afterAll(async () => {
    inspector?.disconnect();
    await first?.runtime.close();
    await second?.runtime.close();
    await database?.drop();
    await redis?.stop();
  });

  /** How many Personio token exchanges the two gateways make for a new account's first call in each. */
  async function exchangesForNewAccount(name: string): Promise<number> {
    const tenant = await createTenant(first, undefined, name);
    const before = sandbox.stats.authCalls;
    expect((await withTenant(first, tenant).request(EMPLOYEES)).status).toBe(200);
    expect((await withTenant(second, tenant).request(EMPLOYEES)).status).toBe(200);
    return sandbox.stats.authCalls - before;
  }

  it('shares tokens and pacing through Redis while it is up', async () => {
    expect(await exchangesForNewAccount('Before')).toBe(1);
    const { status, body } = await readiness(first);
    expect(status).toBe(200);
    expect(body).toEqual({
      status: 'ready',
      checks: { database: { status: 'ok' }, cache: { status: 'ok', shared: true } },
    });
  });

  it('answers unified calls with Redis stopped, and reports the cache degraded', async () => {
    const tenant = await createTenant(first, undefined, 'During');
    await redis.halt();

    const started = Date.now();
    const response = await withTenant(first, tenant).request(EMPLOYEES);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { result: unknown[] }).result).toHaveLength(1);
    // Only a guard against hanging: the call must not wait for Redis to come back.
    expect(Date.now() - started).toBeLessThan(15_000);
    const proxied = await withTenant(first, tenant).request('/proxy/company/employees?limit=1');
    expect(proxied.status).toBe(200);
    expect(proxied.headers.get('x-roster-source')).toBe('upstream');

    // Each process now exchanges and keeps its own token.
    expect(await exchangesForNewAccount('During, per process')).toBe(2);

    const warnings = logLines.map((line) => JSON.parse(line) as { level: string; message: string });
    expect(warnings).toContainEqual(
      expect.objectContaining({ level: 'warn', message: expect.stringMatching(/^Redis/) }),
    );

    const { status, body } = await readiness(first);
    expect(status).toBe(200);
    expect(body).toEqual({
      status: 'degraded',
      checks: { database: { status: 'ok' }, cache: { status: 'degraded', shared: false } },
    });
  });

  it('goes back to the shared cache once Redis is back', async () => {
    await redis.restart();
    for (const gateway of [first, second]) {
      await waitUntil(
        async () => (await readiness(gateway)).body.checks.cache.status === 'ok',
        'the cache to report ok again',
      );
    }
    expect((await readiness(first)).body.status).toBe('ready');

    // The restarted Redis started empty: what the gateways write now lands in it, and is shared again.
    expect(await exchangesForNewAccount('After')).toBe(1);
    await inspector.connect();
    const keys = await inspector.keys(`${prefix}personio:*`);
    expect(keys.some((key) => key.startsWith(`${prefix}personio:token:`))).toBe(true);
    expect(keys.some((key) => key.startsWith(`${prefix}personio:rate:`))).toBe(true);
  });
});

describe('PostgreSQL down: 503 service_unavailable with Retry-After, then recovery', () => {
  let postgres: RestartableServer;
  let database: TestDatabase;
  let sandbox: PersonioSandbox;
  let gateway: Gateway;
  let tenant: Tenant;
  /** A gateway whose caches hold the key and the account (AUTH_CACHE_TTL_MS of five minutes), on a clock the test moves. */
  let cached: Gateway;
  let clock = Date.now();

  beforeAll(async () => {
    postgres = await startPostgres({ throwaway: true });
    database = await createTestDatabase(postgres.url);
    sandbox = createPersonioSandbox({ employees: 20 });
    // No per-process auth cache: every request needs the database, as once AUTH_CACHE_TTL_MS has passed.
    const env = { DATABASE_URL: database.url, AUTH_CACHE_TTL_MS: '0', DATABASE_CONNECT_TIMEOUT_MS: '1000' };
    const setup = await nodeGateway(env, sandbox);
    tenant = await createTenant(setup, undefined, 'Outage');
    await setup.runtime.close();
    gateway = withTenant(await nodeGateway(env, sandbox), tenant);
    const caching = await nodeGateway({ ...env, AUTH_CACHE_TTL_MS: '300000' }, sandbox);
    const app = await createApp({ ...caching.runtime.deps, now: () => new Date(clock) });
    cached = withTenant({ ...caching, app }, tenant);
  });

  afterAll(async () => {
    await cached?.runtime.close();
    await gateway?.runtime.close();
    await postgres?.stop();
  });

  it('serves while the database is up', async () => {
    expect((await gateway.request(EMPLOYEES)).status).toBe(200);
    expect((await cached.request(EMPLOYEES)).status).toBe(200);
    const { status, body } = await readiness(gateway);
    expect(status).toBe(200);
    expect(body.checks.database.status).toBe('ok');
  });

  it('answers 503 service_unavailable with Retry-After while the database is stopped', async () => {
    await postgres.halt();

    for (const path of [EMPLOYEES, '/linked-accounts', '/proxy/company/employees?limit=1']) {
      const started = Date.now();
      const response = await gateway.request(path);
      // Only a guard against hanging; the decision itself is bounded by DATABASE_CONNECT_TIMEOUT_MS.
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
      const body = (await response.json()) as {
        error: { code: string; message: string; request_id: string };
      };
      expect(body.error.code).toBe('service_unavailable');
      expect(body.error.request_id).toBe(response.headers.get('x-request-id'));
      expect(body.error.message).not.toMatch(/postgres|127\.0\.0\.1|select/i);
    }

    const { status, body, response } = await readiness(gateway);
    expect(status).toBe(503);
    expect(response.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    expect(body.status).toBe('unavailable');
    expect(body.checks.database.status).toBe('unavailable');
    expect((await gateway.request('/healthz')).status).toBe(200);
  });

  it('still serves what its caches hold while the database is stopped, when the use is due to be recorded', async () => {
    // Two minutes on, the key's and the account's last use are due to be written again: that write fails.
    clock = Date.now() + 120_000;
    const response = await cached.request(EMPLOYEES);
    expect(response.status, await response.clone().text()).toBe(200);
    expect(((await response.json()) as { result: unknown[] }).result).toHaveLength(1);
  });

  it('serves again once the database is back', async () => {
    await postgres.restart();
    await waitUntil(
      async () => (await gateway.request(EMPLOYEES)).status === 200,
      'a unified call to succeed',
    );
    const { status, body } = await readiness(gateway);
    expect(status).toBe(200);
    expect(body.checks.database.status).toBe('ok');
  });
});

describe('embedded mode (PGlite, memory cache): health and readiness', () => {
  let storage: Storage;
  let gateway: TestGateway;

  beforeAll(async () => {
    storage = await openStorage('pglite');
    gateway = await startGateway(storage, createPersonioSandbox({ employees: 10 }));
  });

  afterAll(async () => {
    await storage?.close();
  });

  it('is live on /healthz and /health, and ready on /readyz with an unshared cache', async () => {
    for (const path of ['/healthz', '/health']) {
      const response = await gateway.request(path);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ok' });
    }
    const { status, body } = await readiness(gateway);
    expect(status).toBe(200);
    expect(body).toEqual({
      status: 'ready',
      checks: { database: { status: 'ok' }, cache: { status: 'ok', shared: false } },
    });
  });
});
