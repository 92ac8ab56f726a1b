/**
 * The Personio simulator served over real HTTP in its own process, so the gateway, the bare proxy and
 * the direct baseline all reach it the same way. Controlled by the bench over the IPC channel.
 *
 * Env: BENCH_EMPLOYEES (company size), BENCH_CREDENTIALS (how many `bench-NN` credentials besides the
 * sandbox ones). Sends `{ type: 'ready', port }` once listening.
 */
import { serve } from '@hono/node-server';
import { createPersonioSandbox, SANDBOX_CREDENTIALS, type SandboxFaults } from '../src/sandbox/personio';
import { benchCredentials } from './lib/credentials';

export type UpstreamCommand =
  | { type: 'setFaults'; faults: SandboxFaults }
  | { type: 'resetStats' }
  | { type: 'stats' }
  | { type: 'hire'; firstName: string; lastName: string };

const employees = Number(process.env.BENCH_EMPLOYEES ?? 10_000);
const credentialCount = Number(process.env.BENCH_CREDENTIALS ?? 10);

const sandbox = createPersonioSandbox({
  employees,
  seed: 1,
  credentials: [SANDBOX_CREDENTIALS.full, ...benchCredentials(credentialCount)],
});

const server = serve({ fetch: sandbox.app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => {
  process.send?.({ type: 'ready', port: info.port });
});

process.on('message', (message: { id: number; command: UpstreamCommand }) => {
  const { id, command } = message;
  if (command.type === 'setFaults') sandbox.setFaults(command.faults);
  if (command.type === 'resetStats') sandbox.resetStats();
  if (command.type === 'hire') {
    const hired = sandbox.changes.hireEmployee({ firstName: command.firstName, lastName: command.lastName });
    process.send?.({ id, result: hired });
    return;
  }
  process.send?.({ id, result: command.type === 'stats' ? structuredClone(sandbox.stats) : null });
});

// The bench owns this process: when its channel closes, there is nobody left to serve.
process.on('disconnect', () => {
  server.close();
  process.exit(0);
});
