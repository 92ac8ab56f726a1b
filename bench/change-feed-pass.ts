/**
 * `npx tsx bench/change-feed-pass.ts [employees]`: what a reconciliation pass costs against the simulator
 * (embedded PGlite, unpaced upstream): upstream calls by route, wall time and counts of the first (silent)
 * pass, a full pass that finds nothing changed, and an incremental pass that finds nothing changed.
 */
import { MemoryCache } from '../src/cache/memory';
import { parseConfig } from '../src/config';
import { base64url } from '../src/crypto/encoding';
import { randomBytes } from '../src/crypto/random';
import { createSecretBox } from '../src/crypto/secret-box';
import { connectPglite } from '../src/db/connect';
import { createEnvironment } from '../src/db/queries/environments';
import { recentSyncPasses } from '../src/db/queries/sync';
import { createPersonioSandbox, SANDBOX_CREDENTIALS } from '../src/sandbox/personio';
import { createServices } from '../src/services';
import { linkPersonioAccount } from '../src/services/linking';
import { syncRunnerDeps } from '../src/sync/deps';
import { runSyncJob } from '../src/sync/run';

const employees = Number(process.argv[2] ?? 2000);
const key = base64url.encode(randomBytes(32));
const sandbox = createPersonioSandbox({ employees });
const database = await connectPglite(undefined);
const config = parseConfig({
  ENCRYPTION_KEY: key,
  PERSONIO_BASE_URL: 'http://personio.bench/v1',
  SANDBOX: 'false',
  PERSONIO_RATE_LIMIT_PER_SECOND: '1000',
  PERSONIO_RATE_LIMIT_BURST: '1000',
  LOG_LEVEL: 'silent',
});
const services = await createServices({
  config,
  db: database.db,
  cache: new MemoryCache(),
  secretBox: await createSecretBox(key),
  fetch: sandbox.fetch,
});
const environment = await createEnvironment(services.db, { name: 'bench', mode: 'test' });
const linkedAccount = await linkPersonioAccount(services, {
  environmentId: environment.id,
  integration: 'personio',
  credentials: SANDBOX_CREDENTIALS.full,
  originId: 'bench',
});
const ref = { environmentId: environment.id, linkedAccountId: linkedAccount.id };
for (const [label, trigger] of [
  ['first pass (silent backfill)', 'manual'],
  ['full pass, nothing changed', 'manual'],
  ['incremental pass, nothing changed', 'schedule'],
] as const) {
  sandbox.resetStats();
  const started = performance.now();
  await runSyncJob(syncRunnerDeps(services), { ...ref, trigger });
  const [pass] = await recentSyncPasses(services.db, ref, 1);
  console.log(
    `${label} (${employees} employees): ${sandbox.stats.requests} upstream calls`,
    JSON.stringify(sandbox.stats.byRoute),
    `${Math.round(performance.now() - started)} ms`,
    `rss ${Math.round(process.memoryUsage().rss / 1e6)} MB`,
    JSON.stringify(pass!.counts),
  );
}
await services.jobs.close();
await database.close();
