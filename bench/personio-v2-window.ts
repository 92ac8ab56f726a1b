/**
 * `npx tsx bench/personio-v2-window.ts [employees]`: time-off window pulls (a wide one, 2025-11-01..2026-12-31,
 * and two weeks, 2026-03-01..14; unified pages of 200) through the v1 path and through the v2 path, against
 * the in-process simulator, unpaced: upstream calls by route and wall time. The v2 path is pulled twice on
 * one cache (cold, then a repeated poll with the breakdowns cached). `at 10/s` is the call count at Personio's
 * reported v2 limit of about 10 requests per second per endpoint, the floor of a real pull's duration.
 */
import { MemoryCache } from '../src/cache/memory';
import { base64url } from '../src/crypto/encoding';
import { randomBytes } from '../src/crypto/random';
import { createSecretBox } from '../src/crypto/secret-box';
import { fetchTransport } from '../src/providers/http';
import { PersonioClient, type PersonioClientOptions } from '../src/providers/personio/client';
import { listTimeoffRequests } from '../src/providers/personio/timeoff-requests';
import { PersonioTokenManager } from '../src/providers/personio/token-manager';
import { PersonioV2Client } from '../src/providers/personio/v2/client';
import { listTimeoffRequestsV2 } from '../src/providers/personio/v2/timeoff-requests';
import type { Page, TimeoffRequestListQuery } from '../src/providers/types';
import { createPersonioSandbox, SANDBOX_CREDENTIALS } from '../src/sandbox/personio';

const employees = Number(process.argv.slice(2).find((arg) => /^\d+$/.test(arg)) ?? 2000);
const roomy = { perSecond: 1e9, burst: 1e9 };
const sandbox = createPersonioSandbox({
  employees,
  seed: 1,
  v2RateLimits: { 'absence-periods': roomy, breakdowns: roomy, 'absence-types': roomy },
});
const cache = new MemoryCache();
const options: PersonioClientOptions = {
  baseUrl: 'http://sandbox.test/v1',
  transport: fetchTransport(sandbox.fetch),
  credentials: {
    clientId: SANDBOX_CREDENTIALS.full.clientId,
    clientSecret: SANDBOX_CREDENTIALS.full.clientSecret,
  },
  tokens: new PersonioTokenManager(cache, await createSecretBox(base64url.encode(randomBytes(32)))),
  accountKey: 'la_bench',
  appId: 'ROSTER_BENCH',
  retry: { attemptTimeoutMs: 30_000, budgetMs: 60_000, maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 1_000 },
};
const v1 = new PersonioClient(options);
const v2 = new PersonioV2Client(options);
const WINDOWS = [
  { startDate: '2025-11-01', endDate: '2026-12-31' },
  { startDate: '2026-03-01', endDate: '2026-03-14' },
];

async function pull(
  window: { startDate: string; endDate: string },
  list: (query: TimeoffRequestListQuery) => Promise<Page<unknown>>,
) {
  sandbox.resetStats();
  const started = performance.now();
  let position: unknown = null;
  let records = 0;
  do {
    const page = await list({ limit: 200, position, includeRemoteData: false, ...window });
    records += page.items.length;
    position = page.next;
  } while (position);
  const ms = performance.now() - started;
  const calls = Object.entries(sandbox.stats.byRoute).filter(([route]) => !route.includes('/auth'));
  return { records, ms, calls: Object.fromEntries(calls), total: calls.reduce((sum, [, n]) => sum + n, 0) };
}

for (const window of WINDOWS) {
  // A fresh account key per window, so the cold v2 pull starts with an empty cache.
  const store = { cache, accountKey: `la_bench_${window.startDate}` };
  const rows = [
    ['v1', await pull(window, (query) => listTimeoffRequests(v1, query))],
    ['v2 cold', await pull(window, (query) => listTimeoffRequestsV2(v2, query, store))],
    ['v2 repeated poll', await pull(window, (query) => listTimeoffRequestsV2(v2, query, store))],
  ] as const;
  console.log(`\nwindow ${window.startDate}..${window.endDate}, ${employees} employees`);
  console.log('| path | records | upstream calls | at 10/s | wall (unpaced) | calls by route |');
  console.log('| --- | ---: | ---: | ---: | ---: | --- |');
  for (const [name, result] of rows) {
    console.log(
      `| ${name} | ${result.records} | ${result.total} | ${(result.total / 10).toFixed(0)} s | ${(result.ms / 1000).toFixed(2)} s | ${Object.entries(
        result.calls,
      )
        .map(([route, n]) => `${route} ${n}`)
        .join(', ')} |`,
    );
  }
}
