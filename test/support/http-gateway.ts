import { createServer, type Server } from 'node:http';
import { serve } from '@hono/node-server';
import { createApp } from '../../src/app';
import { parseConfig } from '../../src/config';
import type { AppDeps, Services } from '../../src/context';
import { createSecretBox } from '../../src/crypto/secret-box';
import type { PersonioSandbox } from '../../src/sandbox/personio';
import { createServices } from '../../src/services';
import { ENCRYPTION_KEY, PERSONIO_TEST_BASE_URL, type Storage } from './gateway';
import { freePort } from './processes';

export interface HttpGateway {
  /** e.g. `http://127.0.0.1:41234`, also the gateway's PUBLIC_URL. */
  url: string;
  deps: AppDeps;
  services: Services;
  close(): Promise<void>;
}

/**
 * The gateway on a real loopback port (as a browser reaches it), talking to the simulator as Personio.
 * `options.port` serves on a given port (a restart on the same address); `options.env` adds settings.
 */
export async function serveGateway(
  storage: Storage,
  sandbox: PersonioSandbox,
  extra: Partial<AppDeps> = {},
  options: { port?: number; env?: Record<string, string> } = {},
): Promise<HttpGateway> {
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const config = parseConfig({
    DATABASE_URL: storage.databaseUrl,
    ENCRYPTION_KEY,
    PERSONIO_BASE_URL: PERSONIO_TEST_BASE_URL,
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: url,
    SANDBOX: 'false',
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  const deps: AppDeps = {
    config,
    db: storage.database.db,
    cache: storage.newCache(),
    secretBox: await createSecretBox(ENCRYPTION_KEY),
    fetch: sandbox.fetch,
    ...extra,
  };
  const services = await createServices(deps);
  const app = await createApp(deps, services);
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port }, () => resolve(started));
  });
  return {
    url,
    deps,
    services,
    close: async () => {
      await services.jobs.close();
      await new Promise<void>((resolve) => {
        (server as Server).closeAllConnections?.();
        server.close(() => resolve());
      });
    },
  };
}

/** A tiny web server for a developer's pages on another loopback origin: path → HTML. */
export async function serveHtml(pages: (path: string) => Promise<string | undefined>): Promise<{
  url: string;
  close(): Promise<void>;
}> {
  const port = await freePort();
  const server: Server = createServer((request, response) => {
    pages(new URL(request.url ?? '/', `http://127.0.0.1:${port}`).pathname).then(
      (html) => {
        response.writeHead(html === undefined ? 404 : 200, { 'content-type': 'text/html; charset=utf-8' });
        response.end(html ?? 'not found');
      },
      (error: unknown) => {
        response.writeHead(500, { 'content-type': 'text/plain' });
        response.end(String(error));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
