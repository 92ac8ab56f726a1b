import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { createApp } from './app';
import { MemoryCache } from './cache/memory';
import { RedisCache } from './cache/redis';
import { parseConfig } from './config';
import { createSecretBox } from './crypto/secret-box';
import { type Database, postgresConnectionOptions } from './db/client';
import * as schema from './db/schema';
import { createLogger } from './lib/logger';

/**
 * Cloudflare Workers entry. Workers may not share I/O objects between requests, so each request
 * gets its own database connection and cache client, closed once the response is sent.
 * Migrations are applied out of band (`npm run admin -- migrate` with DATABASE_URL).
 */
export default {
  async fetch(
    request: Request,
    env: Record<string, unknown>,
    ctx: { waitUntil(promise: Promise<unknown>): void },
  ) {
    const strings = Object.fromEntries(
      Object.entries(env).filter(([, value]) => typeof value === 'string'),
    ) as Record<string, string>;
    const config = parseConfig({ SANDBOX: 'false', ...strings });
    if (!config.databaseUrl || !config.encryptionKey) {
      return Response.json(
        {
          error: {
            code: 'internal',
            message: 'DATABASE_URL and ENCRYPTION_KEY must be set for Workers.',
            request_id: 'req_unknown',
          },
        },
        { status: 500 },
      );
    }
    const sql = postgres(config.databaseUrl, {
      max: 1,
      fetch_types: false,
      onnotice: () => {},
      ...postgresConnectionOptions(config.databaseConnectTimeoutMs),
    });
    const logger = createLogger(config.logLevel);
    const cache = config.redisUrl
      ? new RedisCache(config.redisUrl, config.redisKeyPrefix, { timeoutMs: config.redisTimeoutMs, logger })
      : new MemoryCache();
    const app = await createApp({
      config,
      db: drizzle({ client: sql, schema }) as unknown as Database,
      cache,
      secretBox: await createSecretBox(config.encryptionKey, config.previousEncryptionKeys),
      logger,
      // Set by Cloudflare's edge, which a client cannot override.
      clientAddress: (c) => c.req.header('cf-connecting-ip'),
    });
    const response = await app.fetch(request);
    ctx.waitUntil(Promise.allSettled([sql.end({ timeout: 1 }), cache.close()]));
    return response;
  },
};
