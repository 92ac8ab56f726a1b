/**
 * `node --expose-gc --import tsx bench/change-feed-pass.ts [employees] [--postgres URL] [--paced]`: what a reconciliation pass
 * costs against the simulator: upstream calls by route, wall time, gateway CPU and peak RSS of the first
 * (silent) pass, a full pass that finds nothing changed, and an incremental pass that finds nothing
 * changed; then the latency from `POST /linked-accounts/{id}/sync` (as the route does it: the request is
 * recorded, the job queued) to the event of a sandbox hire. Embedded PGlite by default; `--postgres`
 * uses a PostgreSQL server. Upstream is unpaced unless `--paced` (the gateway's default budget).
 * The simulator runs in a process of its own (`bench/upstream-server.ts`, over HTTP), so CPU and RSS are the
 * gateway's; a warm-up pass of another account first lets both sides settle.
 */
import { MemoryCache } from '../src/cache/memory';
import { parseConfig } from '../src/config';
import { base64url } from '../src/crypto/encoding';
import { randomBytes } from '../src/crypto/random';
import { createSecretBox } from '../src/crypto/secret-box';
import { connectPglite, connectPostgres } from '../src/db/connect';
import { createEnvironment } from '../src/db/queries/environments';
import { listEventsPage } from '../src/db/queries/events';
import { getLinkedAccount } from '../src/db/queries/linked-accounts';
import { recentSyncPasses, requestSyncPass } from '../src/db/queries/sync';
import { nodeTransport } from '../src/runtime/node-transport';
import { SANDBOX_CREDENTIALS } from '../src/sandbox/personio';
import { createServices } from '../src/services';
import { linkPersonioAccount } from '../src/services/linking';
import { syncRunnerDeps } from '../src/sync/deps';
import { runSyncJob } from '../src/sync/run';
import { forkChild } from './lib/processes';

const args = process.argv.slice(2);
const flag = (name: string) => {
  const index = args.indexOf(name);
  return index === -1 ? undefined : (args[index + 1] ?? '');
};
const employees = Number(args.find((arg) => /^\d+$/.test(arg)) ?? 2000);
const postgresUrl = flag('--postgres');
const paced = args.includes('--paced');

const key = base64url.encode(randomBytes(32));
const upstream = await forkChild('bench/upstream-server.ts', {
  BENCH_EMPLOYEES: String(employees),
  BENCH_CREDENTIALS: '0',
});
interface UpstreamStats {
  requests: number;
  byRoute: Record<string, number>;
}
const upstreamStats = () => upstream.call<UpstreamStats>({ type: 'stats' });
const resetUpstreamStats = () => upstream.call({ type: 'resetStats' });
const database = postgresUrl ? await connectPostgres(postgresUrl) : await connectPglite(undefined);
const config = parseConfig({
  ENCRYPTION_KEY: key,
  PERSONIO_BASE_URL: `${upstream.url}/v1`,
  SANDBOX: 'false',
  ...(paced ? {} : { UPSTREAM_RATE_LIMIT_PER_SECOND: '1000', UPSTREAM_RATE_LIMIT_BURST: '1000' }),
  LOG_LEVEL: 'silent',
});
const services = await createServices({
  config,
  db: database.db,
  cache: new MemoryCache(),
  secretBox: await createSecretBox(key),
  transport: nodeTransport(),
});
const environment = await createEnvironment(services.db, { name: 'bench', mode: 'test' });
const link = async (environmentId: string) =>
  linkPersonioAccount(services, {
    environmentId,
    integration: 'personio',
    credentials: SANDBOX_CREDENTIALS.full,
    originId: 'bench',
  });
const warmup = await createEnvironment(services.db, { name: 'bench warm-up', mode: 'test' });
const warmupAccount = await link(warmup.id);
await runSyncJob(syncRunnerDeps(services), {
  environmentId: warmup.id,
  linkedAccountId: warmupAccount.id,
  trigger: 'manual',
});
const linkedAccount = await link(environment.id);
const ref = { environmentId: environment.id, linkedAccountId: linkedAccount.id };
const gc = (globalThis as { gc?: () => void }).gc;
const settledRss = () => {
  gc?.();
  return process.memoryUsage().rss;
};
const storage = postgresUrl ? 'PostgreSQL' : 'PGlite';
const rate = paced
  ? `paced at ${config.upstream.rateLimit.perSecond}/s, bursts of ${config.upstream.rateLimit.burst}`
  : 'unpaced';
console.log(`${employees} employees, ${storage}, upstream ${rate}`);

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 20);
if (!gc) console.log('(run with node --expose-gc for RSS after a GC)');

for (const [label, trigger] of [
  ['first pass (silent backfill)', 'manual'],
  ['full pass, nothing changed', 'manual'],
  ['incremental pass, nothing changed', 'schedule'],
] as const) {
  await resetUpstreamStats();
  const before = settledRss();
  peakRss = before;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await runSyncJob(syncRunnerDeps(services), { ...ref, trigger });
  const wall = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const after = settledRss();
  const [pass] = await recentSyncPasses(services.db, ref, 1);
  const stats = await upstreamStats();
  console.log(
    `${label}: ${stats.requests} upstream calls, ${Math.round(wall)} ms wall, ` +
      `${Math.round((used.user + used.system) / 1000)} ms gateway CPU, ` +
      `RSS ${Math.round(before / 1e6)} MB before, peak +${Math.round((peakRss - before) / 1e6)} MB, ` +
      `after ${after >= before ? '+' : ''}${Math.round((after - before) / 1e6)} MB, ` +
      `${JSON.stringify(stats.byRoute)} ${JSON.stringify(pass!.counts)}`,
  );
}

// Change to event: a hire in the sandbox, then what `POST /linked-accounts/{id}/sync` does, until the
// `employee.created` event can be read.
const latencies: number[] = [];
for (let round = 0; round < 3; round++) {
  const before = await listEventsPage(services.db, {
    environmentId: environment.id,
    filters: { linkedAccountId: linkedAccount.id, types: { exact: ['employee.created'], prefixes: [] } },
    afterSeq: 0,
    limit: 1000,
  });
  const seen = before.events.length;
  await upstream.call({ type: 'hire', firstName: 'Bench', lastName: `Hire ${round}` });
  const started = performance.now();
  await requestSyncPass(services.db, ref);
  const account = await getLinkedAccount(services.db, {
    environmentId: environment.id,
    id: linkedAccount.id,
  });
  await services.jobs.requestSync(account!);
  for (;;) {
    const page = await listEventsPage(services.db, {
      environmentId: environment.id,
      filters: { linkedAccountId: linkedAccount.id, types: { exact: ['employee.created'], prefixes: [] } },
      afterSeq: 0,
      limit: 1000,
    });
    if (page.events.length > seen) break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  latencies.push(performance.now() - started);
  // The pass goes on to the absences: the next round starts once it is over, not behind it.
  while (!(await recentSyncPasses(services.db, ref, 1))[0]?.finishedAt) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
console.log(
  `change to event after POST /linked-accounts/{id}/sync (a full pass): ${latencies
    .map((ms) => `${Math.round(ms)} ms`)
    .join(', ')}`,
);
clearInterval(sampler);
await services.jobs.close();
await database.close();
await upstream.stop();
process.exit(0);
