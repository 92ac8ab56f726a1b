import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import { MemoryCache } from '../cache/memory';
import type { Cache } from '../cache/types';
import type { Config } from '../config';
import type { AppDeps } from '../context';
import { base64url } from '../crypto/encoding';
import { randomBytes } from '../crypto/random';
import { createSecretBox } from '../crypto/secret-box';
import { connectPglite, connectPostgres, type DatabaseHandle } from '../db/connect';
import type { Logger } from '../lib/logger';
import type { FetchLike } from '../providers/types';
import { createPersonioSandbox } from '../sandbox/personio';
import { type DataDirLock, type LockRole, lockDataDir } from './data-dir-lock';
import { nodeTransport } from './node-transport';
import { nodeWebhookSender } from './node-webhook-sender';
import { promMetrics } from './prom-metrics';

/** Where `personio-sandbox` accounts are sent; the host is never resolved, requests go to the in-process simulator. */
export const SANDBOX_BASE_URL = 'http://personio-sandbox.internal/v1';

export interface NodeRuntime {
  deps: AppDeps;
  close(): Promise<void>;
}

/**
 * Builds the gateway's dependencies on Node: PostgreSQL or embedded PGlite, Redis or memory,
 * the encryption key from the environment or (embedded only) generated under DATA_DIR.
 */
export async function createNodeRuntime(
  config: Config,
  options: {
    logger: Logger;
    fetch?: FetchLike;
    migrate?: boolean;
    /** Who holds the embedded data directory's lock (named to a second process that finds it taken). */
    role?: LockRole;
  },
): Promise<NodeRuntime> {
  let lock: DataDirLock | undefined;
  if (!config.databaseUrl) {
    await mkdir(config.dataDir, { recursive: true });
    lock = await lockDataDir(config.dataDir, options.role ?? 'gateway');
  }
  try {
    return await openRuntime(config, options, lock);
  } catch (error) {
    await lock?.release();
    throw error;
  }
}

async function openRuntime(
  config: Config,
  options: { logger: Logger; fetch?: FetchLike; migrate?: boolean },
  lock: DataDirLock | undefined,
): Promise<NodeRuntime> {
  const encryptionKey = config.encryptionKey ?? (await embeddedEncryptionKey(config.dataDir, options.logger));
  const secretBox = await createSecretBox(encryptionKey, config.previousEncryptionKeys);

  const database: DatabaseHandle = config.databaseUrl
    ? await connectPostgres(config.databaseUrl, {
        migrate: options.migrate ?? true,
        connectTimeoutMs: config.databaseConnectTimeoutMs,
      })
    : await connectPglite(join(config.dataDir, 'pglite'), { logger: options.logger });

  // Loaded only with REDIS_URL: an embedded start does not load ioredis.
  const cache: Cache = config.redisUrl
    ? new (await import('../cache/redis')).RedisCache(config.redisUrl, config.redisKeyPrefix, {
        timeoutMs: config.redisTimeoutMs,
        logger: options.logger,
      })
    : new MemoryCache();
  // An injected fetch (tests) is used as given; otherwise Personio is reached through undici directly.
  const transport = options.fetch ? undefined : nodeTransport();
  const webhookSender = nodeWebhookSender(config.webhooks.targets);
  const sandbox = config.sandbox.enabled
    ? // Its v2 webhooks leave through the gateway's sender, under WEBHOOK_TARGETS like the gateway's own.
      createPersonioSandbox({
        employees: config.sandbox.employees,
        webhookTransport: webhookSender,
        v2AbsenceIds: config.sandbox.v2AbsenceIds,
      })
    : undefined;

  return {
    deps: {
      config,
      db: database.db,
      cache,
      secretBox,
      fetch: options.fetch,
      transport,
      sandbox: sandbox ? { baseUrl: SANDBOX_BASE_URL, fetch: sandbox.fetch } : undefined,
      logger: options.logger,
      clientAddress: socketAddress,
      webhookSender,
      metrics: promMetrics(),
    },
    async close() {
      try {
        sandbox?.webhooks.stop();
        await webhookSender.close();
        await transport?.close();
        await cache.close();
        await database.close();
      } finally {
        // Only once the database is closed may another process open it.
        await lock?.release();
      }
    },
  };
}

/** The address the request's connection comes from (requests not served by `@hono/node-server` have none). */
function socketAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined;
  }
}

/** Embedded mode keeps a generated key beside the data it protects, and says so. */
async function embeddedEncryptionKey(dataDir: string, logger: Logger): Promise<string> {
  const path = join(dataDir, 'encryption.key');
  if (existsSync(path)) return (await readFile(path, 'utf8')).trim();
  await mkdir(dataDir, { recursive: true });
  const key = base64url.encode(randomBytes(32));
  await writeFile(path, `${key}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
  logger.warn('generated an encryption key for embedded mode; set ENCRYPTION_KEY in production', { path });
  return key;
}
