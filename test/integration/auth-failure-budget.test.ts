import { request as httpRequest, type Server } from 'node:http';
import { serve } from '@hono/node-server';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApp } from '../../src/app';
import { MemoryCache } from '../../src/cache/memory';
import { parseConfig } from '../../src/config';
import { randomBase62 } from '../../src/crypto/random';
import { createSecretBox } from '../../src/crypto/secret-box';
import type { Database } from '../../src/db/client';
import { connectPostgres } from '../../src/db/connect';
import { createApiKey } from '../../src/db/queries/api-keys';
import * as schema from '../../src/db/schema';
import { silentLogger } from '../../src/lib/logger';
import { createNodeRuntime, type NodeRuntime } from '../../src/runtime/node-runtime';
import type { PersonioSandbox } from '../../src/sandbox/personio';
import {
  createTestDatabase,
  redisKeyPrefix,
  TEST_CONNECT_TIMEOUT_MS,
  type TestDatabase,
} from '../harness/databases';
import {
  createPersonioSandbox,
  createTenant,
  ENCRYPTION_KEY,
  PERSONIO_TEST_BASE_URL,
  type Tenant,
  type TestGateway,
} from '../support/gateway';
import { freePort } from '../support/processes';

const LIMIT = 5;
const WINDOW_SECONDS = 60;
/** 10 s into a window of 60 s: an address that spends its budget now waits 50 s. */
const START = Date.parse('2026-03-02T09:00:10Z');
const EMPLOYEES = '/unified/hris/employees?limit=1';

const wrongKey = () => `sk_test_${randomBase62(32)}`;

interface Answer {
  status: number;
  retryAfter: string | undefined;
  body: { error?: { code: string; message: string; request_id: string } };
}

/** One HTTP request to the gateway from the loopback address `from` (127.0.0.0/8 is all loopback on Linux). */
function get(port: number, from: string, path: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: '127.0.0.1', port, path, localAddress: from, headers, agent: false },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => {
          const retryAfter = response.headers['retry-after'];
          resolve({
            status: response.statusCode ?? 0,
            retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
            body: text ? (JSON.parse(text) as Answer['body']) : {},
          });
        });
      },
    );
    request.setTimeout(30_000, () => request.destroy(new Error(`no answer for ${path}`)));
    request.on('error', reject);
    request.end();
  });
}

interface ServedGateway {
  port: number;
  runtime: NodeRuntime;
  close(): Promise<void>;
}

/** A gateway as `npm start` runs it: the Node runtime's wiring behind a real HTTP server on loopback. */
async function serveNodeGateway(
  env: Record<string, string>,
  sandbox: PersonioSandbox,
  now: () => Date,
): Promise<ServedGateway> {
  const port = await freePort();
  const config = parseConfig({
    ENCRYPTION_KEY,
    PERSONIO_BASE_URL: PERSONIO_TEST_BASE_URL,
    SANDBOX: 'false',
    LOG_LEVEL: 'silent',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_CONNECT_TIMEOUT_MS: String(TEST_CONNECT_TIMEOUT_MS),
    AUTH_FAILURE_LIMIT: String(LIMIT),
    AUTH_FAILURE_WINDOW_SECONDS: String(WINDOW_SECONDS),
    ...env,
  });
  const runtime = await createNodeRuntime(config, {
    logger: silentLogger,
    fetch: sandbox.fetch,
    migrate: false,
  });
  runtime.deps.now = now;
  const app = await createApp(runtime.deps);
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port }, () => resolve(started));
  });
  return {
    port,
    runtime,
    async close() {
      await new Promise<void>((resolve) => {
        (server as Server).closeAllConnections?.();
        server.close(() => resolve());
      });
      await runtime.close();
    },
  };
}

describe('failed API key budget per client address', () => {
  let database: TestDatabase;
  let sandbox: PersonioSandbox;
  let tenant: Tenant;
  let first: ServedGateway;
  let second: ServedGateway;
  let clock = START;
  let unseenKey: string;
  const now = () => new Date(clock);

  beforeAll(async () => {
    database = await createTestDatabase(inject('databaseUrl'));
    const migrated = await connectPostgres(database.url, { connectTimeoutMs: TEST_CONNECT_TIMEOUT_MS });
    await migrated.close();
    sandbox = createPersonioSandbox({ employees: 20 });
    // Two gateway processes sharing one Redis prefix, as behind a load balancer.
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: inject('redisUrl'),
      REDIS_KEY_PREFIX: `roster:${redisKeyPrefix()}`,
    };
    first = await serveNodeGateway(env, sandbox, now);
    second = await serveNodeGateway(env, sandbox, now);
    tenant = await createTenant({ deps: first.runtime.deps } as TestGateway);
    // A second key of the tenant that no gateway has seen yet.
    unseenKey = (
      await createApiKey(first.runtime.deps.db, {
        environmentId: tenant.environmentId,
        mode: 'test',
        name: 'unseen',
      })
    ).secret;
  });

  afterAll(async () => {
    await first?.close();
    await second?.close();
    await database?.drop();
  });

  const as = (apiKey: string) => ({
    authorization: `Bearer ${apiKey}`,
    'x-linked-account-id': tenant.linkedAccountId,
  });

  it('answers 429 with Retry-After once an address has spent its budget, and only that address', async () => {
    // The tenant's key has been used through this process before (its owner shares the address below).
    expect((await get(first.port, '127.0.0.6', EMPLOYEES, as(tenant.apiKey))).status).toBe(200);
    for (let attempt = 1; attempt <= LIMIT; attempt++) {
      const answer = await get(first.port, '127.0.0.2', EMPLOYEES, as(wrongKey()));
      expect(answer.status, `attempt ${attempt}`).toBe(401);
      expect(answer.body.error?.code).toBe('unauthorized');
    }
    const refused = await get(first.port, '127.0.0.2', EMPLOYEES, as(wrongKey()));
    expect(refused.status).toBe(429);
    expect(refused.body.error?.code).toBe('rate_limited');
    expect(refused.retryAfter).toBe(String(WINDOW_SECONDS - 10));

    // While it lasts, the address is refused whatever it sends, a correct key included, unless this process
    // found that key valid lately: a client sharing the address with whoever sends wrong keys keeps working.
    expect((await get(first.port, '127.0.0.2', EMPLOYEES, as(unseenKey))).status).toBe(429);
    expect((await get(first.port, '127.0.0.2', EMPLOYEES, as(tenant.apiKey))).status).toBe(200);
    expect((await get(first.port, '127.0.0.2', EMPLOYEES, as(wrongKey()))).status).toBe(429);

    // Another address is unaffected: its correct key works, its wrong keys have their own budget.
    expect((await get(first.port, '127.0.0.3', EMPLOYEES, as(tenant.apiKey))).status).toBe(200);
    expect((await get(first.port, '127.0.0.3', EMPLOYEES, as(wrongKey()))).status).toBe(401);
  });

  it('is shared by every gateway process through the cache', async () => {
    // The second process has not seen 127.0.0.2 before; the count in Redis says its budget is spent.
    const answer = await get(second.port, '127.0.0.2', EMPLOYEES, as(wrongKey()));
    expect(answer.status).toBe(429);
    expect(answer.retryAfter).toBe(String(WINDOW_SECONDS - 10));
    expect((await get(second.port, '127.0.0.4', EMPLOYEES, as(tenant.apiKey))).status).toBe(200);
  });

  it('does not trust X-Forwarded-For unless CLIENT_IP_HEADER says so', async () => {
    // Rotating the header does not buy a new budget: the connection's address counts.
    for (let attempt = 1; attempt <= LIMIT; attempt++) {
      const forged = { ...as(wrongKey()), 'x-forwarded-for': `198.51.100.${attempt}` };
      expect((await get(first.port, '127.0.0.5', EMPLOYEES, forged)).status).toBe(401);
    }
    const forged = { ...as(wrongKey()), 'x-forwarded-for': '198.51.100.99' };
    expect((await get(first.port, '127.0.0.5', EMPLOYEES, forged)).status).toBe(429);
  });

  it('lets the address try again once the window has passed', async () => {
    clock += (WINDOW_SECONDS - 10) * 1000;
    expect((await get(first.port, '127.0.0.2', EMPLOYEES, as(tenant.apiKey))).status).toBe(200);
    expect((await get(second.port, '127.0.0.2', EMPLOYEES, as(wrongKey()))).status).toBe(401);
  });
});

describe('CLIENT_IP_HEADER behind a trusted proxy', () => {
  let database: TestDatabase;
  let gateway: ServedGateway;
  let tenant: Tenant;

  beforeAll(async () => {
    database = await createTestDatabase(inject('databaseUrl'));
    const migrated = await connectPostgres(database.url, { connectTimeoutMs: TEST_CONNECT_TIMEOUT_MS });
    await migrated.close();
    gateway = await serveNodeGateway(
      { DATABASE_URL: database.url, CLIENT_IP_HEADER: 'X-Forwarded-For' },
      createPersonioSandbox({ employees: 20 }),
      () => new Date(START),
    );
    tenant = await createTenant({ deps: gateway.runtime.deps } as TestGateway);
  });

  afterAll(async () => {
    await gateway?.close();
    await database?.drop();
  });

  it('counts the address the proxy appended, not the ones the client sent', async () => {
    const headers = (apiKey: string, forwardedFor: string) => ({
      authorization: `Bearer ${apiKey}`,
      'x-linked-account-id': tenant.linkedAccountId,
      'x-forwarded-for': forwardedFor,
    });
    // The client rotates the first entry; the proxy's (last) entry stays 203.0.113.7.
    for (let attempt = 1; attempt <= LIMIT; attempt++) {
      const answer = await get(
        gateway.port,
        '127.0.0.1',
        EMPLOYEES,
        headers(wrongKey(), `10.0.0.${attempt}, 203.0.113.7`),
      );
      expect(answer.status).toBe(401);
    }
    expect(
      (await get(gateway.port, '127.0.0.1', EMPLOYEES, headers(wrongKey(), '10.9.9.9, 203.0.113.7'))).status,
    ).toBe(429);
    // Another client behind the same proxy (same connection address) keeps working.
    expect(
      (await get(gateway.port, '127.0.0.1', EMPLOYEES, headers(tenant.apiKey, '203.0.113.8'))).status,
    ).toBe(200);
  });
});

describe('negative cache of unknown API keys', () => {
  let database: TestDatabase;
  let sql: postgres.Sql;
  let queries: string[];
  let app: Awaited<ReturnType<typeof createApp>>;

  beforeAll(async () => {
    database = await createTestDatabase(inject('databaseUrl'));
    const migrated = await connectPostgres(database.url, { connectTimeoutMs: TEST_CONNECT_TIMEOUT_MS });
    await migrated.close();
    queries = [];
    // Every statement the gateway sends, counted by the driver itself.
    sql = postgres(database.url, {
      max: 1,
      onnotice: () => {},
      debug: (_connection, query) => queries.push(query),
    });
    await sql`select 1`;
    app = await createApp({
      config: parseConfig({
        DATABASE_URL: database.url,
        DATABASE_CONNECT_TIMEOUT_MS: String(TEST_CONNECT_TIMEOUT_MS),
        ENCRYPTION_KEY,
        PERSONIO_BASE_URL: PERSONIO_TEST_BASE_URL,
        SANDBOX: 'false',
        LOG_LEVEL: 'silent',
        AUTH_CACHE_TTL_MS: '5000',
        AUTH_FAILURE_LIMIT: '1000',
      }),
      db: drizzle({ client: sql, schema }) as unknown as Database,
      cache: new MemoryCache(),
      secretBox: await createSecretBox(ENCRYPTION_KEY),
      fetch: createPersonioSandbox({ employees: 10 }).fetch,
      clientAddress: (c) => c.req.header('x-test-client'),
    });
    queries.length = 0;
  });

  afterAll(async () => {
    await sql?.end({ timeout: 5 });
    await database?.drop();
  });

  const attempt = (apiKey: string, client = '192.0.2.1') =>
    app.request(EMPLOYEES, { headers: { authorization: `Bearer ${apiKey}`, 'x-test-client': client } });

  it('answers a key it has just found unknown without asking the database again', async () => {
    const key = wrongKey();
    queries.length = 0;
    expect((await attempt(key)).status).toBe(401);
    expect(queries).toHaveLength(1);
    for (let repeat = 0; repeat < 10; repeat++) expect((await attempt(key)).status).toBe(401);
    expect(queries).toHaveLength(1);

    // A key it has not seen costs its one query.
    expect((await attempt(wrongKey())).status).toBe(401);
    expect(queries).toHaveLength(2);
  });
});

describe('an address over its budget costs no query', () => {
  let database: TestDatabase;
  let sql: postgres.Sql;
  let queries: string[];
  let app: Awaited<ReturnType<typeof createApp>>;

  beforeAll(async () => {
    database = await createTestDatabase(inject('databaseUrl'));
    const migrated = await connectPostgres(database.url, { connectTimeoutMs: TEST_CONNECT_TIMEOUT_MS });
    await migrated.close();
    queries = [];
    sql = postgres(database.url, {
      max: 1,
      onnotice: () => {},
      debug: (_connection, query) => queries.push(query),
    });
    await sql`select 1`;
    app = await createApp({
      config: parseConfig({
        DATABASE_URL: database.url,
        ENCRYPTION_KEY,
        PERSONIO_BASE_URL: PERSONIO_TEST_BASE_URL,
        SANDBOX: 'false',
        LOG_LEVEL: 'silent',
        AUTH_FAILURE_LIMIT: String(LIMIT),
      }),
      db: drizzle({ client: sql, schema }) as unknown as Database,
      cache: new MemoryCache(),
      secretBox: await createSecretBox(ENCRYPTION_KEY),
      fetch: createPersonioSandbox({ employees: 10 }).fetch,
      clientAddress: (c) => c.req.header('x-test-client'),
      now: () => new Date(START),
    });
    queries.length = 0;
  });

  afterAll(async () => {
    await sql?.end({ timeout: 5 });
    await database?.drop();
  });

  it('refuses 1,000 further wrong keys with 429 and no database query', async () => {
    const attempt = () =>
      app.request(EMPLOYEES, {
        headers: { authorization: `Bearer ${wrongKey()}`, 'x-test-client': '192.0.2.9' },
      });
    for (let spent = 0; spent < LIMIT; spent++) expect((await attempt()).status).toBe(401);
    expect(queries).toHaveLength(LIMIT);
    const statuses = new Set<number>();
    for (let more = 0; more < 1000; more++) statuses.add((await attempt()).status);
    expect([...statuses]).toEqual([429]);
    expect(queries).toHaveLength(LIMIT);
  });
});
