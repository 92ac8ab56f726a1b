import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { createApp } from '../../src/app';
import { parseConfig } from '../../src/config';
import type { AppDeps, Services } from '../../src/context';
import { createSecretBox } from '../../src/crypto/secret-box';
import { SANDBOX_BASE_URL } from '../../src/runtime/node-runtime';
import type { PersonioSandbox } from '../../src/sandbox/personio';
import { createServices } from '../../src/services';
import { ENCRYPTION_KEY, PERSONIO_TEST_BASE_URL, type Storage } from './gateway';
import { UNPACED } from './timeoff';

/** A gateway "process" on a real loopback port (its PUBLIC_URL), so the simulator can deliver webhooks to it. */
export interface ServedGateway {
  url: string;
  deps: AppDeps;
  services: Services;
  close(): Promise<void>;
}

/** Serves `personio-sandbox` accounts from `sandbox` on 127.0.0.1:`port`; `upstream` may stand between them. */
export async function serveInboundGateway(
  storage: Storage,
  sandbox: PersonioSandbox,
  port: number,
  upstream: (request: Request) => Promise<Response> = sandbox.fetch,
): Promise<ServedGateway> {
  const url = `http://127.0.0.1:${port}`;
  const config = parseConfig({
    DATABASE_URL: storage.databaseUrl,
    ENCRYPTION_KEY,
    PERSONIO_BASE_URL: PERSONIO_TEST_BASE_URL,
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: url,
    SANDBOX: 'true',
    LOG_LEVEL: 'silent',
    ...UNPACED.env,
  });
  const deps: AppDeps = {
    config,
    db: storage.database.db,
    cache: storage.newCache(),
    secretBox: await createSecretBox(ENCRYPTION_KEY),
    fetch: sandbox.fetch,
    sandbox: { baseUrl: SANDBOX_BASE_URL, fetch: upstream },
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
