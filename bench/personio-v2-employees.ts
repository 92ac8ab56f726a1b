/**
 * `npx tsx bench/personio-v2-employees.ts [employees]`: a walk of every employee through v1
 * (`/company/employees`, 100 a page, mapped to unified records as the gateway does) and through v2
 * (`/v2/persons`, 50 a page, plus `/v2/persons/{id}/employments` per person, raw: v2 persons and employments
 * name department, team, office, legal entity, cost centres and supervisor by id only, so unified records
 * would need further calls), against the in-process simulator, unpaced. Prints upstream calls by route, wall
 * and CPU time, and each walk's floor at the rate limits (v1: the gateway's default 5 calls a second per
 * account; v2: the ~30 a second per endpoint third parties report for persons and employments).
 */
import { z } from 'zod';
import { MemoryCache } from '../src/cache/memory';
import { base64url } from '../src/crypto/encoding';
import { randomBytes } from '../src/crypto/random';
import { createSecretBox } from '../src/crypto/secret-box';
import { fetchTransport } from '../src/providers/http';
import { PersonioClient, type PersonioClientOptions } from '../src/providers/personio/client';
import { listEmployees } from '../src/providers/personio/employees';
import { PersonioTokenManager } from '../src/providers/personio/token-manager';
import { PersonioV2Client, type V2Page } from '../src/providers/personio/v2/client';
import { createPersonioSandbox, SANDBOX_CREDENTIALS } from '../src/sandbox/personio';

const employees = Number(process.argv.slice(2).find((arg) => /^\d+$/.test(arg)) ?? 2000);
const roomy = { perSecond: 1e9, burst: 1e9 };
const sandbox = createPersonioSandbox({
  employees,
  seed: 1,
  v2RateLimits: { persons: roomy, employments: roomy },
});
const options: PersonioClientOptions = {
  baseUrl: 'http://sandbox.test/v1',
  transport: fetchTransport(sandbox.fetch),
  credentials: {
    clientId: SANDBOX_CREDENTIALS.full.clientId,
    clientSecret: SANDBOX_CREDENTIALS.full.clientSecret,
  },
  tokens: new PersonioTokenManager(
    new MemoryCache(),
    await createSecretBox(base64url.encode(randomBytes(32))),
  ),
  accountKey: 'la_bench',
  appId: 'ROSTER_BENCH',
  retry: { attemptTimeoutMs: 30_000, budgetMs: 60_000, maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 1_000 },
};
const v1 = new PersonioClient(options);
const v2 = new PersonioV2Client(options);
const Person = z.object({ id: z.string() }).passthrough();
const Employment = z.object({ id: z.string(), status: z.string().optional() }).passthrough();

async function walk(name: string, run: () => Promise<number>, perSecond: number) {
  // Tokens first, so both walks count resource calls only.
  sandbox.resetStats();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const records = await run();
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const calls = Object.entries(sandbox.stats.byRoute).filter(([route]) => !route.includes('/auth'));
  const total = calls.reduce((sum, [, n]) => sum + n, 0);
  return {
    name,
    records,
    total,
    floor: `${(total / perSecond).toFixed(0)} s at ${perSecond}/s`,
    ms,
    cpuMs: (used.user + used.system) / 1000,
    calls: calls.map(([route, n]) => `${route} ${n}`).join(', '),
  };
}

const walkV1 = async () => {
  let position: unknown = null;
  let records = 0;
  do {
    const page = await listEmployees(v1, { limit: 200, position, includeRemoteData: false });
    records += page.items.length;
    position = page.next;
  } while (position);
  return records;
};
const walkV2 = async () => {
  let cursor: string | null = null;
  let records = 0;
  do {
    const page: V2Page<z.infer<typeof Person>> = await v2.page(
      '/v2/persons',
      [['limit', '50']],
      cursor,
      Person,
    );
    for (const person of page.items) {
      const employments = await v2.page(`/v2/persons/${person.id}/employments`, [], null, Employment);
      if (employments.items.length > 0) records++;
    }
    cursor = page.next;
  } while (cursor);
  return records;
};
// One unmeasured walk each first, so neither pays for warming up the JIT and the simulator's caches.
await walkV1();
await walkV2();
const rows = [
  await walk('v1 /company/employees', walkV1, 5),
  await walk('v2 /v2/persons + employments', walkV2, 30),
];

console.log(
  `\n${employees} employees, every one walked once (unpaced; CPU includes the in-process simulator)`,
);
console.log(
  '| path | employees | upstream calls | floor at rate limit | wall (unpaced) | CPU | calls by route |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | --- |');
for (const row of rows) {
  console.log(
    `| ${row.name} | ${row.records} | ${row.total} | ${row.floor} | ${(row.ms / 1000).toFixed(2)} s | ${(row.cpuMs / 1000).toFixed(2)} s | ${row.calls} |`,
  );
}
const [first, second] = rows;
console.log(
  `\nv2/v1: ${(second!.total / first!.total).toFixed(1)}x the calls, ${(second!.ms / first!.ms).toFixed(1)}x the wall time, ${(second!.cpuMs / first!.cpuMs).toFixed(1)}x the CPU`,
);
