/**
 * `npx tsx bench/inbound-webhook-latency.ts [employees] [rounds] [--postgres URL]`: change-to-event latency of an
 * employee change in Personio (the simulator), via an inbound webhook against via polling.
 *
 * - Webhook: the simulator delivers its v2 webhook over loopback HTTP to the gateway (`PUBLIC_URL`), whose job
 *   re-reads the employee and writes the event. Measured from the change to the event being readable.
 * - Polling: an account whose credential lacks the webhooks scope sees the change at its next scheduled
 *   incremental pass. Measured: that pass, from its start to the event; the wait for the schedule is added
 *   from the default interval (15 min: 7.5 min on average, 15 at worst), not slept through.
 *
 * Both accounts are linked to the same simulated company. Gateway and simulator share this process, so the CPU
 * figures include the simulator's side. Embedded PGlite by default.
 */
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { and, eq, gt, sql } from 'drizzle-orm';
import { createApp } from '../src/app';
import { MemoryCache } from '../src/cache/memory';
import { parseConfig } from '../src/config';
import { base64url } from '../src/crypto/encoding';
import { randomBytes } from '../src/crypto/random';
import { createSecretBox } from '../src/crypto/secret-box';
import { connectPglite, connectPostgres } from '../src/db/connect';
import { createEnvironment } from '../src/db/queries/environments';
import { events } from '../src/db/schema';
import { createPersonioSandbox, SANDBOX_CREDENTIALS } from '../src/sandbox/personio';
import { SANDBOX_NO_WEBHOOKS_CREDENTIAL } from '../src/sandbox/personio/credentials';
import { createServices } from '../src/services';
import { linkPersonioAccount } from '../src/services/linking';
import { syncRunnerDeps } from '../src/sync/deps';
import { runSyncJob } from '../src/sync/run';
import { freePort } from '../test/support/processes';

const args = process.argv.slice(2);
const numbers = args.filter((arg) => /^\d+$/.test(arg)).map(Number);
const employees = numbers[0] ?? 2000;
const rounds = numbers[1] ?? 20;
const postgresIndex = args.indexOf('--postgres');
const postgresUrl = postgresIndex === -1 ? undefined : args[postgresIndex + 1];
const DEFAULT_INTERVAL_S = 15 * 60;

const sandbox = createPersonioSandbox({ employees, seed: 5, webhookDelivery: { retryDelaysMs: [] } });
const database = postgresUrl ? await connectPostgres(postgresUrl) : await connectPglite(undefined);
const port = await freePort();
const key = base64url.encode(randomBytes(32));
const config = parseConfig({
  DATABASE_URL: postgresUrl,
  ENCRYPTION_KEY: key,
  PERSONIO_BASE_URL: 'http://personio.test/v1',
  HOST: '127.0.0.1',
  PORT: String(port),
  PUBLIC_URL: `http://127.0.0.1:${port}`,
  SANDBOX: 'false',
  UPSTREAM_RATE_LIMIT_PER_SECOND: '1000',
  UPSTREAM_RATE_LIMIT_BURST: '1000',
  LOG_LEVEL: 'silent',
});
const deps = {
  config,
  db: database.db,
  cache: new MemoryCache(),
  secretBox: await createSecretBox(key),
  fetch: sandbox.fetch,
};
const services = await createServices(deps);
const app = await createApp(deps, services);
const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
  const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port }, () => resolve(started));
});

const environment = await createEnvironment(services.db, { name: 'bench', mode: 'test' });
const link = (credentials: { clientId: string; clientSecret: string }, originId: string) =>
  linkPersonioAccount(services, {
    environmentId: environment.id,
    integration: 'personio',
    credentials,
    originId,
  });
const hooked = await link(SANDBOX_CREDENTIALS.full, 'webhooks');
const polled = await link(
  {
    clientId: SANDBOX_NO_WEBHOOKS_CREDENTIAL.clientId,
    clientSecret: SANDBOX_NO_WEBHOOKS_CREDENTIAL.clientSecret,
  },
  'polling',
);
for (const account of [hooked, polled]) {
  await runSyncJob(syncRunnerDeps(services), {
    environmentId: environment.id,
    linkedAccountId: account.id,
    trigger: 'manual',
  });
}

const latestSeq = async () => {
  const [row] = await services.db
    .select({ seq: sql<number | null>`max(${events.seq})` })
    .from(events)
    .where(eq(events.environmentId, environment.id));
  return Number(row?.seq ?? 0);
};
const eventFor = async (linkedAccountId: string, employeeId: number, afterSeq: number) => {
  const rows = await services.db
    .select({ data: events.data })
    .from(events)
    .where(
      and(
        eq(events.linkedAccountId, linkedAccountId),
        eq(events.type, 'employee.updated'),
        gt(events.seq, afterSeq),
      ),
    );
  return rows.some((row) => (row.data.object as { id: string }).id === String(employeeId));
};
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

const ids = sandbox.employeeIds();
const webhook: number[] = [];
const cpu = process.cpuUsage();
for (let round = 0; round < rounds; round++) {
  const employeeId = ids[round % ids.length]!;
  const after = await latestSeq();
  const started = performance.now();
  sandbox.changes.changeEmployee(employeeId, { position: `Webhook round ${round}` });
  const deadline = Date.now() + 30_000;
  while (!(await eventFor(hooked.id, employeeId, after))) {
    if (Date.now() > deadline) throw new Error(`no event for round ${round}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  webhook.push(performance.now() - started);
}
const webhookCpu = process.cpuUsage(cpu);

const polling: number[] = [];
const pollingCpu = process.cpuUsage();
const passRounds = Math.min(rounds, 5);
for (let round = 0; round < passRounds; round++) {
  const employeeId = ids[(round + 7) % ids.length]!;
  const after = await latestSeq();
  sandbox.changes.changeEmployee(employeeId, { position: `Polling round ${round}` });
  const started = performance.now();
  await runSyncJob(syncRunnerDeps(services), {
    environmentId: environment.id,
    linkedAccountId: polled.id,
    trigger: 'schedule',
  });
  if (!(await eventFor(polled.id, employeeId, after)))
    throw new Error(`the pass found no change in round ${round}`);
  polling.push(performance.now() - started);
}
const pollingUsed = process.cpuUsage(pollingCpu);

const ms = (value: number) => `${Math.round(value)} ms`;
const cpuMs = (used: NodeJS.CpuUsage, count: number) =>
  `${((used.user + used.system) / 1000 / count).toFixed(1)} ms`;
console.log(
  `${employees} employees, ${postgresUrl ? 'PostgreSQL' : 'PGlite'}, ${rounds} webhook rounds, ${passRounds} passes`,
);
console.log(
  `via webhook: change → event median ${ms(percentile(webhook, 50))}, p95 ${ms(percentile(webhook, 95))}, ` +
    `max ${ms(Math.max(...webhook))}; CPU per change ${cpuMs(webhookCpu, rounds)} (gateway + simulator)`,
);
const pass = percentile(polling, 50);
console.log(
  `via polling: incremental pass → event median ${ms(pass)}; CPU per pass ${cpuMs(pollingUsed, passRounds)}; ` +
    `with the default 15-minute schedule change → event ≈ ${Math.round(DEFAULT_INTERVAL_S / 2 + pass / 1000)} s on ` +
    `average, ${Math.round(DEFAULT_INTERVAL_S + pass / 1000)} s at worst`,
);
console.log(
  `ratio (average polling latency / median webhook latency): ${Math.round((DEFAULT_INTERVAL_S * 1000) / 2 / percentile(webhook, 50))}×`,
);

sandbox.webhooks.stop();
await services.jobs.close();
(server as Server).closeAllConnections?.();
await new Promise<void>((resolve) => server.close(() => resolve()));
await database.close();
