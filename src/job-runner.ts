import { ConfigError, parseConfig } from './config';
import { createLogger } from './lib/logger';
import { nodeJobs } from './runtime/node-jobs';
import { batchedLogWriter } from './runtime/node-log-writer';
import { createNodeRuntime } from './runtime/node-runtime';
import { createServices } from './services';

/**
 * `npm run worker`: a process that only runs background jobs (sync passes), so API and job capacity
 * scale apart. It shares PostgreSQL (and Redis, for BullMQ) with the gateways.
 */
async function main() {
  let config: ReturnType<typeof parseConfig>;
  try {
    config = parseConfig({ ...process.env, SANDBOX: 'false' });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78);
    }
    throw error;
  }
  if (config.embedded) {
    // PGlite belongs to one process; in embedded mode `npm start` runs the jobs itself.
    console.error('npm run worker needs DATABASE_URL (embedded mode runs jobs inside `npm start`).');
    process.exit(78);
  }
  const logger = createLogger(config.logLevel, batchedLogWriter());
  const runtime = await createNodeRuntime(config, { logger });
  const jobs = nodeJobs(config, logger, 'worker');
  runtime.deps.jobs = jobs.factory;
  const services = await createServices(runtime.deps);
  await jobs.start(services);
  console.log(
    `Roster job worker ready (${config.redisUrl ? 'BullMQ on Redis' : 'in-process scheduler on PostgreSQL'}; pid ${process.pid}).`,
  );

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    jobs
      .close()
      .catch(() => {})
      .then(() => runtime.close())
      .finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
