import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { createApp } from './app';
import { RedisCache } from './cache/redis';
import type { Cache } from './cache/types';
import { type Config, ConfigError, parseConfig } from './config';
import { createSecretBox } from './crypto/secret-box';
import { type Database, postgresConnectionOptions } from './db/client';
import * as schema from './db/schema';
import { newAsyncContext } from './lib/async-context';
import { createLogger } from './lib/logger';
import { createServices } from './services';

/**
 * Cloudflare Workers entry. The app (routes, OpenAPI document, services, keys) is built once per isolate,
 * on its first request. Workers may not share I/O objects between requests, so each request still opens
 * its own database connection and Redis client, which the services reach through the request's async
 * context. Migrations are applied out of band (`npm run admin -- migrate` with DATABASE_URL), and
 * background jobs (sync passes, webhook deliveries, retention) run in a Node process (`npm run worker`).
 */

type WorkerEnv = Record<string, unknown>;
interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
}

/** What one request's I/O goes through. */
interface RequestIo {
  db: Database;
  cache: Cache;
}

/** Settings Workers cannot do without, and why. */
const REQUIRED_ON_WORKERS: Record<string, string> = {
  DATABASE_URL: 'Workers have no embedded database',
  ENCRYPTION_KEY: 'credentials are stored encrypted with it',
  REDIS_URL:
    'tokens and the rate budget must be shared by every isolate (without it each request exchanges a new token, unpaced)',
  PUBLIC_URL: 'link URLs and redirects are built from it',
};

/** The missing or invalid settings of a Workers deployment, each naming its variable; empty when fine. */
export function workerConfigProblems(env: WorkerEnv): string[] {
  const strings = stringVars(env);
  const missing = Object.entries(REQUIRED_ON_WORKERS)
    .filter(([name]) => !strings[name])
    .map(([name, why]) => `${name}: is required on Workers (${why})`);
  try {
    parseConfig({ SANDBOX: 'false', ...strings });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return [
      ...missing,
      ...error.problems.filter((problem) => !missing.some((line) => line.startsWith(problem.split(':')[0]!))),
    ];
  }
  return missing;
}

function stringVars(env: WorkerEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([, value]) => typeof value === 'string')) as Record<
    string,
    string
  >;
}

// nodejs_compat offers AsyncLocalStorage through `process.getBuiltinModule` (no Node import in this file).
const io = newAsyncContext<RequestIo>();

/** An object whose every member is the current request's (a drizzle database, a Redis cache). */
function perRequest<T extends object>(pick: (current: RequestIo) => T): T {
  return new Proxy({} as T, {
    get(_target, property) {
      const current = io?.getStore();
      if (!current) throw new Error('database or cache used outside a request');
      const target = pick(current);
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

interface Isolate {
  config: Config;
  app: Awaited<ReturnType<typeof createApp>>;
  services: Awaited<ReturnType<typeof createServices>>;
}

let isolate: Promise<Isolate> | undefined;

async function buildIsolate(env: WorkerEnv): Promise<Isolate> {
  const problems = workerConfigProblems(env);
  if (!io) problems.push('compatibility_flags: nodejs_compat is required (for AsyncLocalStorage)');
  if (problems.length > 0) throw new ConfigError(problems);
  const config = parseConfig({ SANDBOX: 'false', ...stringVars(env) });
  const deps = {
    config,
    db: perRequest((current) => current.db),
    cache: perRequest((current) => current.cache),
    secretBox: await createSecretBox(config.encryptionKey!, config.previousEncryptionKeys),
    logger: createLogger(config.logLevel),
    // Set by Cloudflare's edge, which a client cannot override.
    clientAddress: (c: { req: { header(name: string): string | undefined } }) =>
      c.req.header('cf-connecting-ip'),
  };
  const services = await createServices(deps);
  return { config, app: await createApp(deps, services), services };
}

function configurationError(error: ConfigError): Response {
  return Response.json(
    {
      error: {
        code: 'internal',
        message: `The gateway is not configured for Workers: ${error.problems.join('; ')}`,
        request_id: 'req_unknown',
      },
    },
    { status: 500 },
  );
}

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext) {
    isolate ??= buildIsolate(env);
    let built: Isolate;
    try {
      built = await isolate;
    } catch (error) {
      if (!(error instanceof ConfigError)) {
        // Not a setting: something that may pass on the next request (a start-up hiccup).
        isolate = undefined;
        throw error;
      }
      console.error(error.message);
      return configurationError(error);
    }
    const { config, app, services } = built;
    const sql = postgres(config.databaseUrl!, {
      max: 1,
      fetch_types: false,
      onnotice: () => {},
      ...postgresConnectionOptions(config.databaseConnectTimeoutMs),
    });
    const current: RequestIo = {
      db: drizzle({ client: sql, schema }) as unknown as Database,
      cache: new RedisCache(config.redisUrl!, config.redisKeyPrefix, {
        timeoutMs: config.redisTimeoutMs,
        logger: services.logger,
      }),
    };
    const context = io!;
    return context.run(current, async () => {
      const response = await app.fetch(request);
      // Request logs are written with this request's connection, before it closes.
      ctx.waitUntil(
        context.run(current, async () => {
          await services.requestLogs?.flush();
          await Promise.allSettled([sql.end({ timeout: 1 }), current.cache.close()]);
        }),
      );
      return response;
    });
  },
};
