/**
 * `npx tsx bench/redis-round-trip.ts [--calls N]`: the gateway's CPU per Redis round trip, on a Redis server of
 * its own: `RedisCache.reserveSlot` (the rate-budget slot a proxied call books) and `get`, with ioredis's
 * auto-pipelining off (the gateway's setting) and on, one caller at a time and ten at once. CPU is this
 * process's (user + system, every thread), so the server's own work is not counted. Prints the rounds
 * sorted; compare medians of one run.
 */
import { parseArgs } from 'node:util';
import { RedisCache } from '../src/cache/redis';
import { startRedis } from '../test/harness/servers';
import { median } from './lib/stats';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '4000' } } });
const calls = Number(values.calls);
const server = await startRedis();
const caches = {
  off: new RedisCache(server.url, 'bench-off:'),
  on: new RedisCache(server.url, 'bench-on:', { autoPipelining: true }),
};
// Both connected before anything is measured.
await Promise.all(Object.values(caches).map((cache) => cache.health()));

async function measure(
  label: string,
  lanes: number,
  call: (lane: number) => Promise<unknown>,
): Promise<void> {
  const perLane = Math.ceil(calls / lanes);
  const run = () =>
    Promise.all(
      Array.from({ length: lanes }, async (_, lane) => {
        for (let index = 0; index < perLane; index++) await call(lane);
      }),
    );
  await run();
  const rounds: number[] = [];
  for (let round = 0; round < 7; round++) {
    const start = process.cpuUsage();
    await run();
    const used = process.cpuUsage(start);
    rounds.push((used.user + used.system) / (perLane * lanes));
  }
  rounds.sort((a, b) => a - b);
  console.log(
    `${label.padEnd(52)} median ${median(rounds).toFixed(1).padStart(6)} µs CPU per call  [${rounds.map((value) => value.toFixed(0)).join(' ')}]`,
  );
}

try {
  for (const lanes of [1, 10]) {
    for (const [setting, cache] of Object.entries(caches)) {
      await measure(`reserveSlot, auto-pipelining ${setting}, ${lanes} caller(s)`, lanes, (lane) =>
        cache.reserveSlot(`rate:${lane}`, 1, 1000, 1000, 0),
      );
      await measure(`get, auto-pipelining ${setting}, ${lanes} caller(s)`, lanes, (lane) =>
        cache.get(`key:${lane}`),
      );
    }
  }
} finally {
  await Promise.all(Object.values(caches).map((cache) => cache.close()));
  await server.stop();
}
process.exit(0);
