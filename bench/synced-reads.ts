/**
 * `npx tsx bench/synced-reads.ts [employees] [--postgres URL] [--paced]`: the same pulls answered live (Personio,
 * here the simulator in its own process over HTTP) and from the synced copy, in one run: upstream calls, wall
 * time and gateway CPU (this process: the app and its database client; PGlite's engine too when embedded).
 *
 * - awork pull: every employee (to match them by email), then every time-off request from 14 days back to 180 ahead;
 * - 15-minute pull: every time-off request from 61 days back to 365 ahead;
 * - balances for all employees.
 *
 * The copy is filled first (unpaced) by a full pass and the first balances refresh (their cost is printed too).
 * Live window pulls run at the gateway's default budget (5 calls a second, bursts of 10), as against Personio;
 * live balances, a call per employee, run unpaced (at 5/s they would take calls / 5 seconds, printed as the
 * paced floor). `--unpaced` runs every live pull unpaced: what the simulator and the gateway alone cost.
 * `--synced-only` skips the live pulls (with `--data`, to compare changes to synced reads quickly).
 * `--data DIR` keeps the embedded database (and the ids to read it) for later runs of the same size, which skip the
 * fill. `--profile DIR` writes a CPU profile of each timed synced walk (`npm run bench:profile -- DIR/FILE`).
 */

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { createApp } from '../src/app';
import { MemoryCache } from '../src/cache/memory';
import { parseConfig } from '../src/config';
import { base64url } from '../src/crypto/encoding';
import { randomBytes } from '../src/crypto/random';
import { createSecretBox } from '../src/crypto/secret-box';
import { connectPglite, connectPostgres } from '../src/db/connect';
import { createApiKey } from '../src/db/queries/api-keys';
import { createEnvironment } from '../src/db/queries/environments';
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
const unpaced = args.includes('--unpaced');
const profileDir = flag('--profile');
const dataDir = flag('--data');
const syncedOnly = args.includes('--synced-only');
/** With `--data DIR` (PGlite): the filled copy and what reaches it are kept, and a later run skips the fill. */
const savedPath = dataDir ? `${dataDir.replace(/\/$/, '')}.bench.json` : undefined;
const saved: { key: string; secret: string; environmentId: string; linkedAccountId: string } | undefined =
  savedPath && existsSync(savedPath) ? JSON.parse(readFileSync(savedPath, 'utf8')) : undefined;

const key = saved?.key ?? base64url.encode(randomBytes(32));
const upstream = await forkChild('bench/upstream-server.ts', {
  BENCH_EMPLOYEES: String(employees),
  BENCH_CREDENTIALS: '0',
});
const upstreamCalls = async () => (await upstream.call<{ requests: number }>({ type: 'stats' })).requests;
const database = postgresUrl ? await connectPostgres(postgresUrl) : await connectPglite(dataDir);
const secretBox = await createSecretBox(key);
/** One gateway over the shared database; `paced` at the default budget, else as fast as the simulator answers. */
async function gatewayWith(paced: boolean) {
  const config = parseConfig({
    ENCRYPTION_KEY: key,
    PERSONIO_BASE_URL: `${upstream.url}/v1`,
    SANDBOX: 'false',
    ...(paced ? {} : { UPSTREAM_RATE_LIMIT_PER_SECOND: '1000', UPSTREAM_RATE_LIMIT_BURST: '1000' }),
    LOG_LEVEL: 'silent',
  });
  const deps = { config, db: database.db, cache: new MemoryCache(), secretBox, transport: nodeTransport() };
  const services = await createServices(deps);
  return { config, services, app: await createApp(deps, services) };
}
const fast = await gatewayWith(false);
const pacedGateway = unpaced ? fast : await gatewayWith(true);
const { services } = fast;
let ids = saved;
if (!ids) {
  const environment = await createEnvironment(services.db, { name: 'bench', mode: 'test' });
  const { secret } = await createApiKey(services.db, {
    environmentId: environment.id,
    mode: 'test',
    name: 'bench',
  });
  const linkedAccount = await linkPersonioAccount(services, {
    environmentId: environment.id,
    integration: 'personio',
    credentials: SANDBOX_CREDENTIALS.full,
    originId: 'bench',
  });
  ids = { key, secret, environmentId: environment.id, linkedAccountId: linkedAccount.id };
}
const { secret } = ids;
const environment = { id: ids.environmentId };
const linkedAccount = { id: ids.linkedAccountId };
const headers = { authorization: `Bearer ${secret}`, 'x-linked-account-id': linkedAccount.id };

interface Measure {
  calls: number;
  wallMs: number;
  cpuMs: number;
}
async function measure<T>(work: () => Promise<T>): Promise<Measure & { result: T }> {
  const calls = await upstreamCalls();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await work();
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { result, calls: (await upstreamCalls()) - calls, wallMs, cpuMs: (used.user + used.system) / 1000 };
}

/** With `--profile DIR`: a V8 CPU profile of `work` (the timed synced walks), for `npm run bench:profile`. */
async function profiled<T>(name: string, work: () => Promise<T>): Promise<T> {
  if (profileDir === undefined) return work();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    mkdirSync(profileDir, { recursive: true });
    writeFileSync(join(profileDir, `${name}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}

/** Follows `next_cursor` to the end; returns how many records came back. */
async function walk(path: string, app = fast.app): Promise<{ records: number }> {
  let records = 0;
  let cursor: string | null = null;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const response = await app.request(
      cursor ? `${path}${separator}cursor=${encodeURIComponent(cursor)}` : path,
      { headers },
    );
    if (response.status !== 200) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    const body = (await response.json()) as { result: unknown[]; next_cursor: string | null };
    records += body.result.length;
    cursor = body.next_cursor;
  } while (cursor);
  return { records };
}

const DAY_MS = 86_400_000;
const day = (offset: number) => new Date(Date.now() + offset * DAY_MS).toISOString().slice(0, 10);
const window = (back: number, ahead: number) =>
  `/unified/hris/timeoff-requests?limit=200&start_date=${day(-back)}&end_date=${day(ahead)}`;

/**
 * Live window pulls go through the paced gateway (Personio's budget); synced reads and live balances through
 * the unpaced one.
 */
const appFor = (source: string, paced: boolean) => (source === 'live' && paced ? pacedGateway.app : fast.app);
const pulls: [string, (source: string) => Promise<{ records: number }>][] = [
  [
    'awork pull (employees by email, absences -14/+180)',
    async (source) => {
      const app = appFor(source, true);
      const staff = await walk(`/unified/hris/employees?limit=200&source=${source}`, app);
      const absences = await walk(`${window(14, 180)}&source=${source}`, app);
      return { records: staff.records + absences.records };
    },
  ],
  [
    '15-minute pull (absences -61/+365)',
    (source) => walk(`${window(61, 365)}&source=${source}`, appFor(source, true)),
  ],
  [
    'balances for all employees',
    (source) => walk(`/unified/hris/timeoff-balances?limit=200&source=${source}`, appFor(source, false)),
  ],
];

const storage = postgresUrl ? 'PostgreSQL' : 'PGlite';
const limit = pacedGateway.config.upstream.rateLimit;
console.log(
  `${employees} employees, ${storage}; live window pulls ${unpaced ? 'unpaced' : `paced at ${limit.perSecond}/s, bursts of ${limit.burst}`}, live balances unpaced`,
);

if (saved) {
  console.log(`the copy filled by an earlier run, kept in ${dataDir}`);
} else {
  const fill = await measure(() =>
    runSyncJob(syncRunnerDeps(services), {
      environmentId: environment.id,
      linkedAccountId: linkedAccount.id,
      trigger: 'manual',
    }),
  );
  console.log(
    `fill the copy (full pass + first balances refresh): ${fill.calls} upstream calls, ` +
      `${Math.round(fill.wallMs)} ms wall, ${Math.round(fill.cpuMs)} ms gateway CPU (${fill.result})`,
  );
  if (savedPath) writeFileSync(savedPath, JSON.stringify(ids));
}

const fmt = (ms: number) => (ms < 10 ? ms.toFixed(1) : String(Math.round(ms)));
console.log(
  '| pull | source | records | upstream calls | wall ms | at 5 calls/s, at least | gateway CPU ms |',
);
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
for (const [label, pull] of pulls) {
  // One untimed synced round first: the first query of a shape pays for planning and cold caches.
  await pull('synced');
  const synced = await measure(() => profiled(`synced-${label.split(' ')[0]}`, () => pull('synced')));
  if (syncedOnly) {
    console.log(
      `| ${label} | synced | ${synced.result.records} | ${synced.calls} | ${fmt(synced.wallMs)} | | ${fmt(synced.cpuMs)} |`,
    );
    continue;
  }
  const live = await measure(() => pull('live'));
  if (live.result.records !== synced.result.records) {
    throw new Error(
      `${label}: live returned ${live.result.records} records, synced ${synced.result.records}`,
    );
  }
  for (const [source, figures] of [
    ['live', live],
    ['synced', synced],
  ] as const) {
    const floorMs = Math.max(figures.wallMs, (figures.calls / 5) * 1000);
    console.log(
      `| ${label} | ${source} | ${figures.result.records} | ${figures.calls} | ${fmt(figures.wallMs)} | ${fmt(floorMs)} | ${fmt(figures.cpuMs)} |`,
    );
  }
  const liveFloor = Math.max(live.wallMs, (live.calls / 5) * 1000);
  console.log(
    `|  | synced vs live | | | ${(live.wallMs / synced.wallMs).toFixed(1)}× | ${(liveFloor / synced.wallMs).toFixed(0)}× | |`,
  );
}

await fast.services.jobs.close();
if (pacedGateway !== fast) await pacedGateway.services.jobs.close();
await database.close();
await upstream.stop();
process.exit(0);
