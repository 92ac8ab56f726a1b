/**
 * `npx tsx bench/request-log-writes.ts [--batches N]`: CPU per request-log row written to embedded PostgreSQL
 * (PGlite on a data directory, as `npm start` runs it), in the writer's 500-row batches: the gateway's
 * way (COPY from an in-memory file) against one JSON parameter unpacked by the server (PostgreSQL's way).
 * The two alternate batch by batch on one growing table; PGlite runs on this thread, so this process's
 * CPU is the whole cost. Prints the medians and every batch, sorted.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connectPglite } from '../src/db/connect';
import {
  insertRequestLogs,
  insertRequestLogsAsJson,
  type NewRequestLog,
} from '../src/db/queries/request-logs';
import { median } from './lib/stats';

const { values } = parseArgs({ options: { batches: { type: 'string', default: '30' } } });
const BATCH = 500;
const dataDir = await mkdtemp(join(tmpdir(), 'roster-request-logs-'));
const database = await connectPglite(join(dataDir, 'data'));
let next = 0;
const row = (): NewRequestLog => ({
  id: `req_${(next++).toString(36).padStart(22, '0')}`,
  environmentId: 'env_01HZY3K4M5N6P7Q8R9S0T1U2V3',
  linkedAccountId: 'la_01HZY3K4M5N6P7Q8R9S0T1U2V3',
  apiKeyId: 'key_01HZY3K4M5N6P7Q8R9S0T1U2',
  method: 'GET',
  route: '/proxy/*',
  status: 200,
  durationMs: 5,
  errorCode: null,
  upstream: [{ method: 'GET', path: '/v1/company/employees', status: 200, duration_ms: 4, attempt: 1 }],
  retries: 0,
  rateLimitWaits: 0,
  rateLimitWaitMs: 0,
  tokenExchanges: 0,
  createdAt: new Date(),
});
const ways = {
  'COPY (the gateway)': insertRequestLogs,
  'JSON parameter': insertRequestLogsAsJson,
};
const perRow = new Map<string, number[]>(Object.keys(ways).map((name) => [name, []]));
try {
  // Warm-up: both ways' code and PGlite's caches.
  for (const write of Object.values(ways)) await write(database.db, Array.from({ length: BATCH }, row));
  for (let batch = 0; batch < Number(values.batches); batch++) {
    for (const [name, write] of Object.entries(ways)) {
      const rows = Array.from({ length: BATCH }, row);
      const start = process.cpuUsage();
      await write(database.db, rows);
      const used = process.cpuUsage(start);
      perRow.get(name)!.push((used.user + used.system) / BATCH);
    }
  }
  for (const [name, samples] of perRow) {
    samples.sort((a, b) => a - b);
    console.log(
      `${name.padEnd(20)} median ${median(samples).toFixed(1)} µs CPU per row  [${samples.map((value) => value.toFixed(0)).join(' ')}]`,
    );
  }
} finally {
  await database.close();
  await rm(dataDir, { recursive: true, force: true });
}
process.exit(0);
