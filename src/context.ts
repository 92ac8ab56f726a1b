import type { Context } from 'hono';
import type { Cache } from './cache/types';
import type { Config } from './config';
import type { SecretBox } from './crypto/secret-box';
import type { Database } from './db/client';
import type { Environment, LinkedAccount } from './db/schema';
import type { JobQueue } from './jobs/types';
import type { CursorCodec } from './lib/cursor';
import type { Logger } from './lib/logger';
import type { MetricsSink } from './observability/metrics';
import type { RequestLogWriter } from './observability/request-log-writer';
import type { ProviderFactory } from './providers/factory';
import type { HttpTransport } from './providers/http';
import type { PersonioTokenManager } from './providers/personio/token-manager';
import type { FetchLike } from './providers/types';
import type { AuthFailureBudget } from './services/auth-failure-budget';
import type { RequestLookups } from './services/lookups';
import type { WebhookSender } from './webhooks/sender';

/** What the runtime entry (Node, Workers, a test) hands to `createApp`. */
/** The static files of the interactive reference (`/docs`), by file name; undefined for an unknown name. */
export type DocsAssets = (name: string) => Promise<{ body: Uint8Array; contentType: string } | undefined>;

export interface AppDeps {
  config: Config;
  db: Database;
  cache: Cache;
  secretBox: SecretBox;
  /** Outbound HTTP to Personio; the Node entry passes its undici transport. Wins over `fetch`. */
  transport?: HttpTransport;
  /** Outbound fetch to Personio when no `transport` is given; tests pass the simulator's. */
  fetch?: FetchLike;
  sandbox?: { baseUrl: string; fetch: FetchLike } | undefined;
  now?: () => Date;
  logger?: Logger;
  /** How webhooks are sent (the Node entry passes its undici sender with a DNS egress check); default `fetch`. */
  webhookSender?: WebhookSender;
  /** The job engine (BullMQ on Node with REDIS_URL); default: jobs run in this process. */
  jobs?: (services: Services) => JobQueue;
  /**
   * The address of the client as the runtime knows it (Node: the connection's; Workers: `CF-Connecting-IP`),
   * for the failed API key budget. `CLIENT_IP_HEADER`, when set, is read instead.
   */
  clientAddress?: (c: Context) => string | undefined;
  /** Where `/metrics` comes from (the Node entry's prom-client registry); without, `/metrics` is not served. */
  metrics?: MetricsSink;
  /** Swagger UI's files for `/docs` (the Node entry serves them from the npm package); without, a CDN. */
  docsAssets?: DocsAssets;
}

export interface Services {
  config: Config;
  db: Database;
  cache: Cache;
  secretBox: SecretBox;
  cursors: CursorCodec;
  tokens: PersonioTokenManager;
  providers: ProviderFactory;
  /** API key and linked account lookups, cached in this process for `config.authCacheTtlMs`. */
  lookups: RequestLookups;
  /** Failed API keys per client address, shared through the cache. */
  authFailures: AuthFailureBudget;
  clientAddress: (c: Context) => string | undefined;
  now: () => Date;
  logger: Logger;
  jobs: JobQueue;
  webhookSender: WebhookSender;
  /** Request logs waiting for their batch write; absent with `REQUEST_LOGS=false`. */
  requestLogs: RequestLogWriter | undefined;
  metrics: MetricsSink | undefined;
}

export interface AppEnv {
  Variables: {
    requestId: string;
    services: Services;
    environment: Environment;
    apiKeyId: string;
    linkedAccount: LinkedAccount;
    /** The error code of an error answer, for the request log. */
    errorCode: string;
  };
}
