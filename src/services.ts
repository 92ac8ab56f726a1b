import type { AppDeps, Services } from './context';
import { hmacSha256 } from './crypto/hmac';
import { requestLogSink } from './db/queries/request-logs';
import { InProcessJobs } from './jobs/in-process';
import { CursorCodec } from './lib/cursor';
import { silentLogger } from './lib/logger';
import { RequestLogWriter } from './observability/request-log-writer';
import { ProviderFactory } from './providers/factory';
import { fetchTransport } from './providers/http';
import { PersonioTokenManager } from './providers/personio/token-manager';
import { AuthFailureBudget } from './services/auth-failure-budget';
import { RequestLookups } from './services/lookups';
import { syncRunnerDeps } from './sync/deps';
import { fetchWebhookSender } from './webhooks/sender';

/** The per-process services every request (and the admin CLI) uses, built once from the deps. */
export async function createServices(deps: AppDeps): Promise<Services> {
  const now = deps.now ?? (() => new Date());
  const tokens = new PersonioTokenManager(deps.cache, deps.secretBox, () => now().getTime());
  const services: Omit<Services, 'jobs'> & { jobs?: Services['jobs'] } = {
    config: deps.config,
    db: deps.db,
    cache: deps.cache,
    secretBox: deps.secretBox,
    cursors: new CursorCodec(await hmacSha256(await deps.secretBox.deriveBytes('cursor'))),
    tokens,
    providers: new ProviderFactory({
      config: deps.config,
      cache: deps.cache,
      secretBox: deps.secretBox,
      tokens,
      transport: deps.transport ?? fetchTransport(deps.fetch ?? ((request) => fetch(request))),
      sandbox: deps.sandbox,
      now,
      logger: deps.logger,
    }),
    lookups: new RequestLookups(deps.db, { ttlMs: deps.config.authCacheTtlMs, now: () => now().getTime() }),
    authFailures: new AuthFailureBudget(deps.cache, {
      ...deps.config.authFailures,
      now: () => now().getTime(),
      logger: deps.logger,
    }),
    clientAddress: deps.clientAddress ?? (() => undefined),
    now,
    logger: deps.logger ?? silentLogger,
    webhookSender: deps.webhookSender ?? fetchWebhookSender(deps.config.webhooks.targets),
    requestLogs: deps.config.observability.requestLogs
      ? new RequestLogWriter(requestLogSink(deps.db), deps.logger ?? silentLogger)
      : undefined,
    // Metrics are the operator's: kept only where they can be read (`METRICS_TOKEN`).
    metrics: deps.config.observability.metricsToken ? deps.metrics : undefined,
  };
  const ready = services as Services;
  ready.jobs = deps.jobs ? deps.jobs(ready) : new InProcessJobs(syncRunnerDeps(ready));
  return ready;
}
