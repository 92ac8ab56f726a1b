import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MemoryCache } from '../cache/memory';
import { RedisCache } from '../cache/redis';
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
import { nodeTransport } from './node-transport';
import { nodeWebhookSender } from './node-webhook-sender';

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
  options: { logger: Logger; fetch?: FetchLike; migrate?: boolean },
): Promise<NodeRuntime> {
  const encryptionKey = config.encryptionKey ?? (await embeddedEncryptionKey(config.dataDir, options.logger));
  const secretBox = await createSecretBox(encryptionKey, config.previousEncryptionKeys);

  let database: DatabaseHandle;
  if (config.databaseUrl) {
    database = await connectPostgres(config.databaseUrl, { migrate: options.migrate ?? true });
  } else {
    await mkdir(config.dataDir, { recursive: true });
    database = await connectPglite(join(config.dataDir, 'pglite'), { logger: options.logger });
  }

  const cache: Cache = config.redisUrl
    ? new RedisCache(config.redisUrl, config.redisKeyPrefix)
    : new MemoryCache();
  // An injected fetch (tests) is used as given; otherwise Personio is reached through undici directly.
  const transport = options.fetch ? undefined : nodeTransport();
  const webhookSender = nodeWebhookSender(config.webhooks.targets);
  const sandbox = config.sandbox.enabled
    ? createPersonioSandbox({ employees: config.sandbox.employees })
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
      webhookSender,
    },
    async close() {
      await webhookSender.close();
      await transport?.close();
      await cache.close();
      await database.close();
    },
  };
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
