import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { base64url } from '../../src/crypto/encoding';
import { randomBytes } from '../../src/crypto/random';
import { startPostgres, startRedis } from '../../test/harness/servers';
import { freePort } from '../../test/support/processes';
import { type GatewayProcess, startGateway } from './processes';
import { type BenchTenant, seedTenant } from './tenants';

/**
 * Set-up shared by the probes that run several gateways side by side (`burst-probe.ts`, `compare-builds.ts`):
 * storage (PostgreSQL + Redis shared by all, or a data directory each) and one gateway with its own tenant.
 */

export interface SharedStorage {
  databaseUrl: string;
  redisUrl: string;
}

/** PostgreSQL + Redis for `--server` runs (stopped through `cleanups`), else `undefined` (embedded). */
export async function benchStorage(
  server: boolean,
  cleanups: (() => Promise<unknown>)[],
): Promise<SharedStorage | undefined> {
  if (!server) return undefined;
  const [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
  cleanups.push(
    () => postgres.stop(),
    () => redis.stop(),
  );
  return { databaseUrl: postgres.url, redisUrl: redis.url };
}

/**
 * One gateway named `name` on the bench upstream, with a tenant of 10 linked accounts seeded in its storage;
 * `command` is the shell command that starts it (flags, another checkout's directory). Stopped through `cleanups`.
 */
export async function launchBenchGateway(input: {
  name: string;
  workDir: string;
  command: string;
  upstreamUrl: string;
  shared: SharedStorage | undefined;
  encryptionKey: string;
  logFile: string;
  cleanups: (() => Promise<unknown>)[];
  /** Settings added to (or overriding) the bench's own. */
  env?: Record<string, string>;
}): Promise<{ gateway: GatewayProcess; tenant: BenchTenant }> {
  const { name, shared } = input;
  const dataDir = join(input.workDir, name);
  await mkdir(dataDir, { recursive: true });
  const tenant = await seedTenant({
    ...(shared ?? { dataDir }),
    encryptionKey: input.encryptionKey,
    personioBaseUrl: `${input.upstreamUrl}/v1`,
    accounts: 10,
  });
  const port = await freePort();
  const env: Record<string, string> = {
    HOST: '127.0.0.1',
    PORT: String(port),
    PERSONIO_BASE_URL: `${input.upstreamUrl}/v1`,
    ENCRYPTION_KEY: input.encryptionKey,
    UPSTREAM_RATE_LIMIT_PER_SECOND: '1000',
    UPSTREAM_RATE_LIMIT_BURST: '1000',
    SANDBOX: 'false',
    LOG_LEVEL: 'info',
    ...(shared
      ? { DATABASE_URL: shared.databaseUrl, REDIS_URL: shared.redisUrl, REDIS_KEY_PREFIX: `${name}:` }
      : { DATA_DIR: dataDir }),
    ...input.env,
  };
  // `--env NAME=` leaves a setting out.
  for (const [name, value] of Object.entries(env)) if (value === '') delete env[name];
  const gateway = await startGateway(input.command, env, input.logFile);
  input.cleanups.push(() => gateway.stop());
  return { gateway, tenant };
}

/** A fresh encryption key for a bench run's gateways. */
export function benchEncryptionKey(): string {
  return base64url.encode(randomBytes(32));
}
