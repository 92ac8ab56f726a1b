import { createApp } from './app';
import { ConfigError, parseConfig } from './config';
import { createLogger } from './lib/logger';
import { batchedLogWriter } from './runtime/node-log-writer';
import { createNodeRuntime } from './runtime/node-runtime';
import { serveApp } from './runtime/node-server';
import { ensureSandboxSeed } from './runtime/sandbox-seed';
import { createServices } from './services';

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
  const app = await createApp(runtime.deps);
  const seed =
    config.embedded && config.sandbox.enabled
      ? await ensureSandboxSeed(await createServices(runtime.deps), config.dataDir)
      : undefined;

  const server = serveApp({ fetch: app.fetch, hostname: config.host, port: config.port, logger }, (info) => {
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
      runtime.close().finally(() => process.exit(0));
    });
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
