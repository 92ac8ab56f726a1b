import { inject } from 'vitest';
import { createApp } from '../../src/app';
import { MemoryCache } from '../../src/cache/memory';
import { RedisCache } from '../../src/cache/redis';
import type { Cache } from '../../src/cache/types';
import { parseConfig } from '../../src/config';
import type { AppDeps } from '../../src/context';
import { base64url } from '../../src/crypto/encoding';
import { randomBytes } from '../../src/crypto/random';
import { createSecretBox } from '../../src/crypto/secret-box';
import { connectPglite, connectPostgres, type DatabaseHandle } from '../../src/db/connect';
import { createApiKey } from '../../src/db/queries/api-keys';
import { createEnvironment } from '../../src/db/queries/environments';
import { updateLinkedAccountSettings } from '../../src/db/queries/linked-accounts';
import type { HttpTransport } from '../../src/providers/http';
import type { FetchLike } from '../../src/providers/types';
import { SANDBOX_BASE_URL } from '../../src/runtime/node-runtime';
import { createPersonioSandbox, type PersonioSandbox, SANDBOX_CREDENTIALS } from '../../src/sandbox/personio';
import { createServices } from '../../src/services';
import { linkPersonioAccount } from '../../src/services/linking';
import type { WebhookSender } from '../../src/webhooks/sender';
import {
  createTestDatabase,
  redisKeyPrefix,
  TEST_CONNECT_TIMEOUT_MS,
  type TestDatabase,
} from '../harness/databases';
import { withResponseValidation } from './response-validator';

export type Backend = 'pglite' | 'postgres';

export const PERSONIO_TEST_BASE_URL = 'http://personio.test/v1';

/** One storage backend: embedded PGlite + memory cache, or real PostgreSQL + Redis from the global setup. */
export interface Storage {
  backend: Backend;
  database: DatabaseHandle;
  databaseUrl: string | undefined;
  newCache(): Cache;
  close(): Promise<void>;
}

export async function openStorage(backend: Backend): Promise<Storage> {
  if (backend === 'pglite') {
    const database = await connectPglite(undefined);
    // One process in embedded mode: every gateway of this storage shares one in-memory cache.
    const shared = new MemoryCache();
    return {
      backend,
      database,
      databaseUrl: undefined,
      newCache: () => shared,
      close: async () => {
        await database.close();
      },
    };
  }
  const testDatabase: TestDatabase = await createTestDatabase(inject('databaseUrl'));
  const database = await connectPostgres(testDatabase.url, { connectTimeoutMs: TEST_CONNECT_TIMEOUT_MS });
  const prefix = `roster:${redisKeyPrefix()}`;
  const caches: Cache[] = [];
  return {
    backend,
    database,
    databaseUrl: testDatabase.url,
    // Each gateway gets its own Redis client on one shared prefix, as separate processes would.
    newCache: () => {
      const cache = new RedisCache(inject('redisUrl'), prefix);
      caches.push(cache);
      return cache;
    },
    close: async () => {
      await Promise.all(caches.map((cache) => cache.close()));
      await database.close();
      await testDatabase.drop();
    },
  };
}

export interface TestGateway {
  /** The app; every 2xx answer it gives is checked against openapi/openapi.json (an app assigned here too). */
  app: Awaited<ReturnType<typeof createApp>>;
  deps: AppDeps;
  request(
    path: string,
    init?: {
      headers?: Record<string, string>;
      apiKey?: string | null;
      linkedAccountId?: string | null;
      method?: string;
      body?: BodyInit;
    },
  ): Promise<Response>;
}

export interface Tenant {
  environmentId: string;
  apiKey: string;
  linkedAccountId: string;
}

export const ENCRYPTION_KEY = base64url.encode(randomBytes(32));

/** A gateway (one "process") over the given storage, talking to the simulator as if it were Personio. */
export async function startGateway(
  storage: Storage,
  sandbox: PersonioSandbox | null,
  tenant?: Tenant,
  options: {
    env?: Record<string, string>;
    fetch?: FetchLike;
    /** Instead of `fetch`: how the gateway reaches Personio (the Node entry's undici transport). */
    transport?: HttpTransport;
    now?: () => Date;
    /** Serve `personio-sandbox` accounts from `sandbox` (as the Node entry does with its built-in one). */
    builtInSandbox?: boolean;
    /** How webhooks leave (the Node entry's undici sender); default `fetch`. */
    webhookSender?: WebhookSender;
  } = {},
): Promise<TestGateway> {
  const config = parseConfig({
    DATABASE_URL: storage.databaseUrl,
    ENCRYPTION_KEY,
    PERSONIO_BASE_URL: PERSONIO_TEST_BASE_URL,
    SANDBOX: options.builtInSandbox ? 'true' : 'false',
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  const fetch = options.fetch ?? sandbox?.fetch;
  if (!fetch && !options.transport) throw new Error('startGateway needs a sandbox, a fetch or a transport');
  const deps: AppDeps = {
    config,
    db: storage.database.db,
    cache: storage.newCache(),
    secretBox: await createSecretBox(ENCRYPTION_KEY),
    fetch,
    transport: options.transport,
    now: options.now,
    webhookSender: options.webhookSender,
    sandbox:
      options.builtInSandbox && sandbox ? { baseUrl: SANDBOX_BASE_URL, fetch: sandbox.fetch } : undefined,
  };
  let app = withResponseValidation(await createApp(deps));
  return {
    get app() {
      return app;
    },
    set app(value) {
      app = withResponseValidation(value);
    },
    deps,
    request(path, init = {}) {
      const headers: Record<string, string> = { ...init.headers };
      const { method, body } = init;
      const apiKey = init.apiKey === undefined ? tenant?.apiKey : init.apiKey;
      const linkedAccountId =
        init.linkedAccountId === undefined ? tenant?.linkedAccountId : init.linkedAccountId;
      if (apiKey) headers.authorization = `Bearer ${apiKey}`;
      if (linkedAccountId) headers['x-linked-account-id'] = linkedAccountId;
      return Promise.resolve(app.request(path, { headers, method, body }));
    },
  };
}

/**
 * An environment, an API key and a linked account made through the same code the admin CLI uses.
 * `personioApiVersion`, when given, is stored as the account's setting: suites of the v2 paths opt in
 * with `auto` (without it the account keeps the default, v1).
 */
export async function createTenant(
  gateway: TestGateway,
  credentials: { clientId: string; clientSecret: string } = SANDBOX_CREDENTIALS.full,
  name = 'Acme',
  integration: 'personio' | 'personio-sandbox' = 'personio',
  personioApiVersion?: 'auto' | 'v1',
): Promise<Tenant> {
  const services = await createServices(gateway.deps);
  const environment = await createEnvironment(services.db, { name, mode: 'test' });
  const { secret } = await createApiKey(services.db, {
    environmentId: environment.id,
    mode: 'test',
    name: 'test',
  });
  const linkedAccount = await linkPersonioAccount(services, {
    environmentId: environment.id,
    integration,
    credentials,
    originId: `${name.toLowerCase()}-customer`,
  });
  if (personioApiVersion) {
    await updateLinkedAccountSettings(services.db, {
      environmentId: environment.id,
      id: linkedAccount.id,
      settings: { personio_api_version: personioApiVersion },
      now: new Date(),
    });
  }
  return { environmentId: environment.id, apiKey: secret, linkedAccountId: linkedAccount.id };
}

export { createPersonioSandbox, SANDBOX_CREDENTIALS };

/** Follows `next_cursor` to the end and returns every record. */
export async function walk<Item>(
  gateway: TestGateway,
  path: string,
  init: Parameters<TestGateway['request']>[1] = {},
): Promise<{ items: Item[]; pages: number }> {
  const items: Item[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const response = await gateway.request(
      cursor ? `${path}${separator}cursor=${encodeURIComponent(cursor)}` : path,
      init,
    );
    if (response.status !== 200)
      throw new Error(`page ${pages} failed: ${response.status} ${await response.text()}`);
    const body = (await response.json()) as { result: Item[]; next_cursor: string | null };
    items.push(...body.result);
    cursor = body.next_cursor;
    pages++;
    if (pages > 10_000) throw new Error('walk does not end');
  } while (cursor);
  return { items, pages };
}
