// First: sets the process's V8 flags before anything else is loaded (see the module).
import './runtime/v8-flags';
import type { Server } from 'node:http';
import { createApp } from './app';
import { ConfigError, parseConfig } from './config';
import { createLogger } from './lib/logger';
import { DataDirLockedError } from './runtime/data-dir-lock';
import { nodeDocsAssets } from './runtime/docs-assets';
import { firstSandboxPass } from './runtime/first-sandbox-pass';
import { nodeJobs } from './runtime/node-jobs';
import { batchedLogWriter } from './runtime/node-log-writer';
import { createNodeRuntime } from './runtime/node-runtime';
import { serveApp } from './runtime/node-server';
import { ensureSandboxSeed } from './runtime/sandbox-seed';
import { drainServer } from './runtime/shutdown';
import { createServices } from './services';

/** How long a stopping gateway lets requests in flight finish (a keyed write cut off is resumed safely). */
const DRAIN_TIMEOUT_MS = 20_000;
/** How long closing the database and cache may take after that. */
const CLOSE_TIMEOUT_MS = 5_000;

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
  runtime.deps.docsAssets = nodeDocsAssets();
  // The sandbox account's first pass runs once the gateway listens (see first-sandbox-pass.ts).
  const firstPass =
    config.embedded && config.sandbox.enabled && config.sync.runJobs ? firstSandboxPass() : undefined;
  const services = await createServices(runtime.deps);
  const app = await createApp(runtime.deps, services);
  const seed =
    config.embedded && config.sandbox.enabled ? await ensureSandboxSeed(services, config.dataDir) : undefined;
  if (config.sync.runJobs && !firstPass) await jobs.start(services);

  const fetch = firstPass && seed ? firstPass.hold(app.fetch, seed) : app.fetch;
  const server = serveApp({ fetch, hostname: config.host, port: config.port, logger }, (info) => {
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
  // With the sandbox, jobs start once its first pass has ended, as they did when it ran before listening.
  const background =
    firstPass && seed
      ? (async () => {
          await firstPass.run(services, seed);
          if (!stopping) await jobs.start(services);
        })().catch((error: unknown) => {
          console.error(error instanceof Error ? (error.stack ?? error.message) : error);
          process.exit(1);
        })
      : undefined;
  const shutdown = async (signal: string) => {
    // npm forwards the signal a terminal also sends to the whole group: the second copy changes nothing.
    if (stopping) return;
    stopping = true;
    logger.info('shutting down: draining requests in flight', { signal, timeout_ms: DRAIN_TIMEOUT_MS });
    // Should closing hang (a database that does not answer), leave anyway, and say so by the exit code.
    setTimeout(() => process.exit(1), DRAIN_TIMEOUT_MS + CLOSE_TIMEOUT_MS).unref();
    try {
      // The sandbox's first pass stops at its next page boundary and is resumed by the next start.
      firstPass?.stop();
      const drained = await drainServer(server as Server, DRAIN_TIMEOUT_MS);
      if (drained === 'cut off') logger.warn('requests still running were cut off', { signal });
      await background;
      // A sync pass stopped here is resumed at its next page by whichever process takes its lease.
      await jobs.close();
      await services.requestLogs?.flush();
      // The database and cache close (and the data directory is released) only once no request uses them.
      await runtime.close();
    } catch (error) {
      logger.error('could not stop cleanly', {
        error: error instanceof Error ? error.message : String(error),
      });
      process.exit(1);
    }
    logger.info('stopped', { signal });
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error) => {
  if (error instanceof DataDirLockedError) {
    console.error(error.message);
    process.exit(75);
  }
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
