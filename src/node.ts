import { serve } from '@hono/node-server';
import { createApp } from './app';
import { ConfigError, parseConfig } from './config';
import type { Services } from './context';
import { getSyncState } from './db/queries/sync';
import { createLogger } from './lib/logger';
import { nodeJobs } from './runtime/node-jobs';
import { batchedLogWriter } from './runtime/node-log-writer';
import { createNodeRuntime } from './runtime/node-runtime';
import { ensureSandboxSeed, type SandboxSeed } from './runtime/sandbox-seed';
import { createServices } from './services';
import { syncRunnerDeps } from './sync/deps';
import { runSyncJob } from './sync/run';

async function main() {
  const startedAt = performance.now();
  let config: ReturnType<typeof parseConfig>;
  try {
    config = parseConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel, batchedLogWriter());
  const runtime = await createNodeRuntime(config, { logger });
  const jobs = nodeJobs(config, logger, 'gateway');
  runtime.deps.jobs = jobs.factory;
  const app = await createApp(runtime.deps);
  const services = await createServices(runtime.deps);
  const seed =
    config.embedded && config.sandbox.enabled ? await ensureSandboxSeed(services, config.dataDir) : undefined;
  if (seed && config.sync.runJobs) await firstSandboxPass(services, seed);
  if (config.sync.runJobs) await jobs.start(services);

  const server = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, (info) => {
    const lines = [
      '',
      `Roster is listening on ${config.publicUrl} (${config.embedded ? 'embedded: PGlite, in-memory cache' : 'PostgreSQL'}${config.redisUrl ? ', Redis' : ''}; port ${info.port})`,
      `  API docs:    ${config.publicUrl}/docs`,
      `  OpenAPI:     ${config.publicUrl}/openapi.json`,
    ];
    if (seed) {
      lines.push(
        `  Sandbox API key:           ${seed.api_key}`,
        `  Sandbox linked account id: ${seed.linked_account_id}`,
        '',
        '  Try it:',
        `  curl -s '${config.publicUrl}/unified/hris/employees?limit=2' \\`,
        `    -H 'Authorization: Bearer ${seed.api_key}' \\`,
        `    -H 'X-Linked-Account-Id: ${seed.linked_account_id}'`,
      );
    }
    lines.push('', `Ready in ${Math.round(performance.now() - startedAt)} ms.`, '');
    console.log(lines.join('\n'));
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    server.close(() => {
      jobs
        .close()
        .catch(() => {})
        .then(() => runtime.close())
        .finally(() => process.exit(0));
    });
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

/**
 * The sandbox account's first pass (silent: it fills the copy) runs before the gateway says it is ready,
 * so the first sandbox action a newcomer makes already shows up as events.
 */
async function firstSandboxPass(services: Services, seed: SandboxSeed) {
  const ref = { environmentId: seed.environment_id, linkedAccountId: seed.linked_account_id };
  if ((await getSyncState(services.db, ref))?.lastCompletedAt) return;
  await runSyncJob(syncRunnerDeps(services, 'gateway'), { ...ref, trigger: 'schedule' });
}

main().catch((error) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
