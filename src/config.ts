import { z } from 'zod';
import { providerDefinitions } from './providers/registry';
import { WEBHOOK_TARGET_POLICIES, type WebhookTargetPolicy } from './webhooks/egress';

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])
  .transform((value) => ['true', '1', 'yes', 'on'].includes(value));

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/**
 * Every setting of the gateway, for Node and Workers alike, parsed once from the environment.
 * Names are the environment variable names so an error can name the variable to fix.
 */
const GatewaySettings = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  PUBLIC_URL: httpUrl.optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(1000),
  REDIS_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[\w:.-]{1,64}$/, 'must be 1–64 letters, digits, `_`, `-`, `.` or `:`')
    .default('roster:'),
  ENCRYPTION_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_\-+/]{43}=?$/, 'must be 32 random bytes in base64url (43 characters)')
    .optional(),
  ENCRYPTION_KEYS_PREVIOUS: z
    .string()
    .optional()
    .transform((value) =>
      value
        ? value
            .split(',')
            .map((key) => key.trim())
            .filter(Boolean)
        : [],
    )
    .pipe(z.array(z.string().regex(/^[A-Za-z0-9_\-+/]{43}=?$/, 'each key must be 32 bytes in base64url'))),
  DATA_DIR: z.string().min(1).default('.data'),
  /** Every provider call: per attempt, per call (retries and waits included), attempts per call. */
  UPSTREAM_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(15_000),
  UPSTREAM_RETRY_BUDGET_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  UPSTREAM_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(6),
  /** Pacing of provider calls per linked account, shared by all processes. */
  UPSTREAM_RATE_LIMIT_PER_SECOND: z.coerce.number().positive().max(1000).default(5),
  UPSTREAM_RATE_LIMIT_BURST: z.coerce.number().int().min(1).max(1000).default(10),
  AUTH_CACHE_TTL_MS: z.coerce.number().int().min(0).max(300_000).default(5_000),
  AUTH_FAILURE_LIMIT: z.coerce.number().int().min(0).max(1_000_000).default(20),
  AUTH_FAILURE_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  CLIENT_IP_HEADER: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,64}$/, 'must be a header name, e.g. X-Forwarded-For or CF-Connecting-IP')
    .transform((name) => name.toLowerCase())
    .optional(),
  SANDBOX: booleanFlag.optional(),
  SANDBOX_EMPLOYEES: z.coerce.number().int().min(10).max(100_000).default(250),
  /** How the built-in simulator's v2 names absences: `v1` ids (default) or UUIDs of their own. */
  SANDBOX_V2_ABSENCE_IDS: z.enum(['v1', 'uuid']).default('v1'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /** Default lifetime of a link token; `POST /link-tokens` may ask for another, up to 7 days. */
  LINK_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(604_800).default(1800),
  /** Change feed: days events are kept. */
  // At least two days: webhook retries run for about 28 h, and an event's deliveries go with it.
  EVENT_RETENTION_DAYS: z.coerce.number().int().min(2).max(3650).default(30),
  /** Request logs: recorded for every API-key call unless `false`; kept this many days. */
  REQUEST_LOGS: booleanFlag.default(true),
  REQUEST_LOG_RETENTION_DAYS: z.coerce.number().int().min(1).max(365).default(7),
  /** `/metrics` answers only `Authorization: Bearer <METRICS_TOKEN>`; unset, it is not served. */
  METRICS_TOKEN: z
    .string()
    .regex(/^[\x21-\x7e]{16,200}$/, 'must be 16–200 printable characters without spaces')
    .optional(),
  /** How long a sync pass lease lasts unrenewed: a killed process's pass is taken over after this. */
  SYNC_LEASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  /** Does this gateway process also run background jobs? (`npm run worker` runs only jobs.) */
  RUN_JOBS: booleanFlag.default(true),
  /** Webhook targets: `public` (https, public addresses), `loopback` (also this machine), `private`. */
  WEBHOOK_TARGETS: z.enum(WEBHOOK_TARGET_POLICIES).optional(),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /** Webhook attempts in flight per process, and per endpoint across all processes. */
  WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(32),
  WEBHOOK_ENDPOINT_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(4),
});

/** Settings renamed before 1.0: naming an old one stops start-up with its new name, instead of being ignored. */
const RENAMED_SETTINGS: Record<string, string> = {
  PERSONIO_TIMEOUT_MS: 'UPSTREAM_TIMEOUT_MS',
  PERSONIO_RETRY_BUDGET_MS: 'UPSTREAM_RETRY_BUDGET_MS',
  PERSONIO_MAX_ATTEMPTS: 'UPSTREAM_MAX_ATTEMPTS',
  PERSONIO_RATE_LIMIT_PER_SECOND: 'UPSTREAM_RATE_LIMIT_PER_SECOND',
  PERSONIO_RATE_LIMIT_BURST: 'UPSTREAM_RATE_LIMIT_BURST',
};

/** The gateway's settings plus each registered provider's own (`PERSONIO_BASE_URL`, …). */
function configSchema() {
  const providerShapes = Object.assign(
    {},
    ...providerDefinitions().map((definition) => definition.settings?.env ?? {}),
  );
  return GatewaySettings.extend(providerShapes as Record<string, never>).superRefine((env, ctx) => {
    if (env.DATABASE_URL && !env.ENCRYPTION_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['ENCRYPTION_KEY'],
        message: 'is required when DATABASE_URL is set (generate one with `npm run admin -- generate-key`)',
      });
    }
  });
}

export type ConfigInput = z.input<typeof GatewaySettings> & Record<string, string | undefined>;

export interface Config {
  host: string;
  port: number;
  publicUrl: string;
  databaseUrl: string | undefined;
  /**
   * How long opening a PostgreSQL connection may take: with the database down, a request gets
   * `503 service_unavailable` within about this time.
   */
  databaseConnectTimeoutMs: number;
  redisUrl: string | undefined;
  /**
   * Connect and command timeout of Redis: past it a call uses this process's memory instead, until
   * Redis answers again.
   */
  redisTimeoutMs: number;
  /** Keeps deployments that share one Redis apart. */
  redisKeyPrefix: string;
  encryptionKey: string | undefined;
  previousEncryptionKeys: string[];
  dataDir: string;
  /** Every provider call, whichever provider (`UPSTREAM_*`). */
  upstream: {
    /** Per attempt. */
    timeoutMs: number;
    /** Per call, retries and waits included. */
    retryBudgetMs: number;
    maxAttempts: number;
    /** Upstream pacing per linked account, shared by all processes through the cache. */
    rateLimit: { perSecond: number; burst: number };
  };
  /**
   * How long this process may keep an API key's and a linked account's row (0: never). Bounds how
   * long a key revoked, or an account disabled, elsewhere still works here.
   */
  authCacheTtlMs: number;
  /**
   * Failed API keys per client address and window; once spent, the address gets `429` until the window
   * ends (`limit` 0: no budget).
   */
  authFailures: { limit: number; windowSeconds: number };
  /**
   * Lower-cased name of a header that a proxy in front of the gateway sets to the client's address;
   * unset, the address of the connection counts (a client could forge any header).
   */
  clientIpHeader: string | undefined;
  /** The built-in Personio simulator serves `personio-sandbox` linked accounts. Off by default in production. */
  sandbox: { enabled: boolean; employees: number; v2AbsenceIds: 'v1' | 'uuid' };
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** Hosted link flow: default link token lifetime in seconds (60 s to 7 days). */
  link: { tokenTtlSeconds: number };
  /** Change feed and background jobs. */
  sync: { eventRetentionDays: number; leaseTtlMs: number; runJobs: boolean };
  /** Request logs and `/metrics`. */
  observability: { requestLogs: boolean; requestLogRetentionDays: number; metricsToken: string | undefined };
  /** Webhooks out: where they may go, how long an attempt may take, how many run at once. */
  webhooks: {
    targets: WebhookTargetPolicy;
    timeoutMs: number;
    concurrency: number;
    endpointConcurrency: number;
  };
  /** Each registered provider's own settings by provider id, as its definition reads them. */
  providers: Record<string, unknown>;
  /** Embedded mode: no DATABASE_URL, so PGlite, in-memory cache and a generated key under DATA_DIR. */
  embedded: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function parseConfig(env: Record<string, string | undefined>): Config {
  // Empty strings in the environment mean "unset", as in most deployment tools.
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const renamed = Object.entries(RENAMED_SETTINGS)
    .filter(([old]) => present[old] !== undefined)
    .map(([old, name]) => `${old}: was renamed to ${name}`);
  const parsed = configSchema().safeParse(present);
  if (!parsed.success || renamed.length > 0) {
    throw new ConfigError([
      ...renamed,
      ...(parsed.error?.issues ?? []).map(
        (issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`,
      ),
    ]);
  }
  const values = parsed.data as unknown as z.output<typeof GatewaySettings> & Record<string, unknown>;
  const embedded = !values.DATABASE_URL;
  const host = values.HOST;
  return {
    host,
    port: values.PORT,
    publicUrl: (
      values.PUBLIC_URL ?? `http://${host.includes(':') ? `[${host}]` : host}:${values.PORT}`
    ).replace(/\/$/, ''),
    databaseUrl: values.DATABASE_URL,
    databaseConnectTimeoutMs: values.DATABASE_CONNECT_TIMEOUT_MS,
    redisUrl: values.REDIS_URL,
    redisTimeoutMs: values.REDIS_TIMEOUT_MS,
    redisKeyPrefix: values.REDIS_KEY_PREFIX,
    encryptionKey: values.ENCRYPTION_KEY,
    previousEncryptionKeys: values.ENCRYPTION_KEYS_PREVIOUS,
    dataDir: values.DATA_DIR,
    upstream: {
      timeoutMs: values.UPSTREAM_TIMEOUT_MS,
      retryBudgetMs: values.UPSTREAM_RETRY_BUDGET_MS,
      maxAttempts: values.UPSTREAM_MAX_ATTEMPTS,
      rateLimit: {
        perSecond: values.UPSTREAM_RATE_LIMIT_PER_SECOND,
        burst: values.UPSTREAM_RATE_LIMIT_BURST,
      },
    },
    authCacheTtlMs: values.AUTH_CACHE_TTL_MS,
    authFailures: { limit: values.AUTH_FAILURE_LIMIT, windowSeconds: values.AUTH_FAILURE_WINDOW_SECONDS },
    clientIpHeader: values.CLIENT_IP_HEADER,
    sandbox: {
      enabled: values.SANDBOX ?? embedded,
      employees: values.SANDBOX_EMPLOYEES,
      v2AbsenceIds: values.SANDBOX_V2_ABSENCE_IDS,
    },
    logLevel: values.LOG_LEVEL,
    link: { tokenTtlSeconds: values.LINK_TOKEN_TTL_SECONDS },
    sync: {
      eventRetentionDays: values.EVENT_RETENTION_DAYS,
      leaseTtlMs: values.SYNC_LEASE_SECONDS * 1000,
      runJobs: values.RUN_JOBS,
    },
    observability: {
      requestLogs: values.REQUEST_LOGS,
      requestLogRetentionDays: values.REQUEST_LOG_RETENTION_DAYS,
      metricsToken: values.METRICS_TOKEN,
    },
    webhooks: {
      // Embedded mode is for local development: a receiver on this machine must work.
      targets: values.WEBHOOK_TARGETS ?? (embedded ? 'loopback' : 'public'),
      timeoutMs: values.WEBHOOK_TIMEOUT_MS,
      concurrency: values.WEBHOOK_CONCURRENCY,
      endpointConcurrency: values.WEBHOOK_ENDPOINT_CONCURRENCY,
    },
    providers: Object.fromEntries(
      providerDefinitions().map((definition) => [
        definition.id,
        definition.settings ? definition.settings.read(values) : undefined,
      ]),
    ),
    embedded,
  };
}
