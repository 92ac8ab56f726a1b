/**
 * `npx tsx bench/webhooks.ts [--quick] [--cpu-prof DIR]`: webhook deliveries per second of one delivering process to a
 * fast local receiver, and the time from an event's commit to its delivery arriving (p50/p99), with
 * PostgreSQL + Redis (`npm run worker` on BullMQ) and embedded (PGlite, the in-process engine in this
 * process). The receiver runs in a process of its own. Not a timed test: it prints figures.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MemoryCache } from '../src/cache/memory';
import { parseConfig } from '../src/config';
import { base64url } from '../src/crypto/encoding';
import { randomBytes } from '../src/crypto/random';
import { createSecretBox } from '../src/crypto/secret-box';
import type { Database } from '../src/db/client';
import { connectPglite, connectPostgres, type DatabaseHandle } from '../src/db/connect';
import { createEnvironment } from '../src/db/queries/environments';
import { insertEvents } from '../src/db/queries/events';
import { createWebhookEndpoint } from '../src/db/queries/webhooks';
import { linkedAccounts } from '../src/db/schema';
import { InProcessDeliveries } from '../src/jobs/webhook-deliveries';
import { silentLogger } from '../src/lib/logger';
import { nodeWebhookSender } from '../src/runtime/node-webhook-sender';
import { createServices } from '../src/services';
import { SECRET_PURPOSE, webhookDispatcher } from '../src/webhooks/dispatcher';
import { newWebhookSecret } from '../src/webhooks/signing';
import { startPostgres, startRedis } from '../test/harness/servers';
import { startProcess } from '../test/support/processes';
import { type Child, cpuTimeMs, forkChild } from './lib/processes';
import { percentile } from './lib/stats';

const quick = process.argv.includes('--quick');
/** `--mode postgres` or `--mode embedded`: one of the two only. */
const onlyMode = process.argv.includes('--mode')
  ? process.argv[process.argv.indexOf('--mode') + 1]
  : undefined;
const ENDPOINTS = 10;
const THROUGHPUT_EVENTS = quick ? 200 : 1000;
const LATENCY_EVENTS = quick ? 60 : 300;
const LATENCY_GAP_MS = 50;

interface Figures {
  mode: string;
  deliveries: number;
  perSecond: number;
  /** CPU time (user + system) of the delivering process per delivery, during the throughput run. */
  cpuMsPerDelivery: number;
  p50: number;
  p99: number;
}

async function setUp(db: Database, secretBox: Awaited<ReturnType<typeof createSecretBox>>, url: string) {
  const environment = await createEnvironment(db, { name: 'bench', mode: 'test' });
  const linkedAccountId = `la_bench${Date.now()}`;
  await db.insert(linkedAccounts).values({
    id: linkedAccountId,
    environmentId: environment.id,
    integration: 'personio',
    originId: 'bench',
    credentials: await secretBox.encrypt('{}', 'personio-credentials'),
    credentialsKeyId: secretBox.currentKeyId,
  });
  const endpoint = async (types: string[]) =>
    createWebhookEndpoint(db, {
      environmentId: environment.id,
      url,
      description: null,
      eventTypes: types,
      linkedAccountIds: null,
      enabled: true,
      encryptedSecret: await secretBox.encrypt(newWebhookSecret(), SECRET_PURPOSE),
      now: new Date(),
    });
  return { environmentId: environment.id, linkedAccountId, endpoint };
}

async function measure(
  mode: string,
  db: Database,
  secretBox: Awaited<ReturnType<typeof createSecretBox>>,
  receiver: Child,
  /** CPU milliseconds the delivering process has used so far. */
  cpuMs: () => number,
): Promise<Figures> {
  const tenant = await setUp(db, secretBox, `${receiver.url}/hooks`);
  const store = (type: 'employee.updated' | 'timeoff_request.updated', count: number) =>
    db.transaction((tx) =>
      insertEvents(tx as unknown as Database, {
        environmentId: tenant.environmentId,
        linkedAccountId: tenant.linkedAccountId,
        events: Array.from({ length: count }, (_, index) => ({
          type,
          data: {
            object: { id: String(index), first_name: 'Ada', last_name: 'Lovelace' },
            previous_attributes: {},
          },
        })),
      }),
    );
  const waitForCount = async (requests: number) => {
    for (;;) {
      const count = await receiver.call<{ requests: number }>({ type: 'count' });
      if (count.requests >= requests) return;
      await sleep(20);
    }
  };

  // Throughput: ten endpoints, every event to each of them.
  for (let index = 0; index < ENDPOINTS; index++) await tenant.endpoint(['employee.*']);
  await receiver.call({ type: 'reset' });
  const deliveries = THROUGHPUT_EVENTS * ENDPOINTS;
  const started = performance.now();
  const cpuBefore = cpuMs();
  for (let stored = 0; stored < THROUGHPUT_EVENTS; stored += 100) await store('employee.updated', 100);
  await waitForCount(deliveries);
  const perSecond = deliveries / ((performance.now() - started) / 1000);
  const cpuMsPerDelivery = (cpuMs() - cpuBefore) / deliveries;
  console.log(
    `  ${mode}: ${deliveries} deliveries in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );

  // Latency: one endpoint, one event every 50 ms, from commit to arrival.
  await tenant.endpoint(['timeoff_request.*']);
  await receiver.call({ type: 'reset' });
  const committed: { id: string; at: number }[] = [];
  for (let index = 0; index < LATENCY_EVENTS; index++) {
    const [event] = await store('timeoff_request.updated', 1);
    committed.push({ id: event!.id, at: Date.now() });
    await sleep(LATENCY_GAP_MS);
  }
  await waitForCount(LATENCY_EVENTS);
  const arrivals = await receiver.call<(number | null)[]>({
    type: 'arrivals',
    ids: committed.map((e) => e.id),
  });
  const latencies = committed.map((event, index) => arrivals[index]! - event.at);
  return {
    mode,
    deliveries,
    perSecond,
    cpuMsPerDelivery,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

async function main() {
  const encryptionKey = base64url.encode(randomBytes(32));
  const secretBox = await createSecretBox(encryptionKey);
  const receiver = await forkChild('bench/webhook-receiver.ts', {});
  const results: Figures[] = [];
  try {
    if (onlyMode !== 'embedded') results.push(await measurePostgres(encryptionKey, secretBox, receiver));
    if (onlyMode !== 'postgres') results.push(await measureEmbedded(secretBox, receiver));
  } finally {
    await receiver.stop();
  }
  console.log(
    '\n| mode | deliveries/s (target ≥ 500) | CPU per delivery | event → delivery p50 | p99 (target ≤ 1 s) |',
  );
  console.log('| --- | --- | --- | --- | --- |');
  for (const figure of results) {
    console.log(
      `| ${figure.mode} | ${Math.round(figure.perSecond)} (${figure.deliveries} deliveries) | ${figure.cpuMsPerDelivery.toFixed(2)} ms | ${Math.round(figure.p50)} ms | ${Math.round(figure.p99)} ms |`,
    );
  }
}

/** PostgreSQL + Redis: one `npm run worker` process delivers on BullMQ. */
async function measurePostgres(
  encryptionKey: string,
  secretBox: Awaited<ReturnType<typeof createSecretBox>>,
  receiver: Child,
): Promise<Figures> {
  const postgres = await startPostgres();
  const redis = await startRedis();
  let database: DatabaseHandle | undefined;
  // `--cpu-prof DIR`: profile the worker (summarise with `npm run bench:profile -- DIR`).
  const profileDir = process.argv[process.argv.indexOf('--cpu-prof') + 1];
  const profile =
    process.argv.includes('--cpu-prof') && profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  const worker = startProcess('node', [...profile, '--import', 'tsx', 'src/job-runner.ts'], {
    DATABASE_URL: postgres.url,
    REDIS_URL: redis.url,
    ENCRYPTION_KEY: encryptionKey,
    WEBHOOK_TARGETS: 'loopback',
    LOG_LEVEL: 'warn',
  });
  try {
    await worker.waitFor(/job worker ready/, 120_000);
    database = await connectPostgres(postgres.url, { migrate: false });
    const pid = worker.child.pid!;
    return await measure('PostgreSQL+Redis, 1 worker process', database.db, secretBox, receiver, () =>
      cpuTimeMs(pid),
    );
  } finally {
    await worker.stop();
    await database?.close();
    await redis.stop();
    await postgres.stop();
  }
}

/** Embedded: PGlite and the in-process engine, here. */
async function measureEmbedded(
  secretBox: Awaited<ReturnType<typeof createSecretBox>>,
  receiver: Child,
): Promise<Figures> {
  const dataDir = await mkdtemp(join(tmpdir(), 'roster-hooks-bench-'));
  const embedded = await connectPglite(join(dataDir, 'pglite'));
  const sender = nodeWebhookSender('loopback');
  const config = parseConfig({ DATA_DIR: dataDir, WEBHOOK_TARGETS: 'loopback', LOG_LEVEL: 'silent' });
  const services = await createServices({
    config,
    db: embedded.db,
    cache: new MemoryCache(),
    secretBox,
    webhookSender: sender,
  });
  const runner = new InProcessDeliveries(webhookDispatcher(services, 'bench'), {
    concurrency: config.webhooks.concurrency,
    logger: silentLogger,
  }).start();
  try {
    // This process also stores the events (in the same PGlite): its CPU includes that.
    const ownCpuMs = () => {
      const usage = process.cpuUsage();
      return (usage.user + usage.system) / 1000;
    };
    return await measure('embedded (PGlite), in-process', embedded.db, secretBox, receiver, ownCpuMs);
  } finally {
    await runner.close();
    await services.jobs.close();
    await sender.close();
    await embedded.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
