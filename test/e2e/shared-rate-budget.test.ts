import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PersonioSandbox } from '../../src/sandbox/personio';
import { TEST_CONNECT_TIMEOUT_MS } from '../harness/databases';
import {
  createPersonioSandbox,
  createTenant,
  ENCRYPTION_KEY,
  openStorage,
  type Storage,
  startGateway,
  type Tenant,
} from '../support/gateway';
import { type LoopbackServer, serveFetch } from '../support/http-servers';
import { freePort, type RunningProcess, startProcess } from '../support/processes';

/**
 * Personio-like pacing (every call books its own slot), and a burst large enough that each process
 * books up to a tenth of it per round trip: spare slots held by the two processes may arrive up to
 * `BOOKED_SLOT_TTL_MS` late, so the window may hold that many more.
 */
const BUDGETS = [
  { PER_SECOND: 20, BURST: 4, REQUESTS: 120, SPARE: 0 },
  { PER_SECOND: 40, BURST: 40, REQUESTS: 240, SPARE: 2 * (40 / 10 - 1) },
];

/** Two gateway processes, one Redis, one simulator: the account's upstream rate stays within its budget. */
describe.each(BUDGETS)(
  'a rate budget of $PER_SECOND/s in bursts of $BURST, shared by two gateway processes through Redis',
  { timeout: 120_000 },
  ({ PER_SECOND, BURST, REQUESTS, SPARE }) => {
    let storage: Storage;
    let sandbox: PersonioSandbox;
    let personio: LoopbackServer;
    let tenant: Tenant;
    const gateways: { process: RunningProcess; url: string }[] = [];

    beforeAll(async () => {
      storage = await openStorage('postgres');
      sandbox = createPersonioSandbox({ employees: 50 });
      personio = await serveFetch(sandbox.fetch);
      const env = { PERSONIO_BASE_URL: `${personio.url}/v1` };
      tenant = await createTenant(
        await startGateway(storage, null, undefined, { env, fetch: (request) => fetch(request) }),
      );
      const prefix = `roster:rate${Date.now()}:`;
      for (let index = 0; index < 2; index++) {
        const port = await freePort();
        const child = startProcess('npx', ['tsx', 'src/node.ts'], {
          PORT: String(port),
          DATABASE_URL: storage.databaseUrl!,
          DATABASE_CONNECT_TIMEOUT_MS: String(TEST_CONNECT_TIMEOUT_MS),
          REDIS_URL: inject('redisUrl'),
          REDIS_KEY_PREFIX: prefix,
          ENCRYPTION_KEY,
          PERSONIO_BASE_URL: `${personio.url}/v1`,
          UPSTREAM_RATE_LIMIT_PER_SECOND: String(PER_SECOND),
          UPSTREAM_RATE_LIMIT_BURST: String(BURST),
          // Only the requests this test sends: no background sync passes of the account.
          RUN_JOBS: 'false',
          LOG_LEVEL: 'warn',
        });
        gateways.push({ process: child, url: `http://127.0.0.1:${port}` });
      }
      await Promise.all(gateways.map((gateway) => gateway.process.waitFor(/Ready in \d+ ms/, 90_000)));
    });

    afterAll(async () => {
      await Promise.all(gateways.map((gateway) => gateway.process.stop()));
      await personio?.close();
      await storage?.close();
    });

    it(`never sends more than ${PER_SECOND}/s (bursts of ${BURST}) to Personio`, async () => {
      sandbox.resetStats();
      const stalls = monitorEventLoopDelay({ resolution: 10 });
      stalls.enable();
      sandbox.recordArrivals(true);
      const responses = await Promise.all(
        Array.from({ length: REQUESTS }, (_, index) =>
          fetch(`${gateways[index % 2]!.url}/unified/hris/employees?limit=1`, {
            headers: {
              authorization: `Bearer ${tenant.apiKey}`,
              'x-linked-account-id': tenant.linkedAccountId,
            },
          }),
        ),
      );
      sandbox.recordArrivals(false);
      stalls.disable();
      expect(responses.map((response) => response.status)).toEqual(Array(REQUESTS).fill(200));

      const arrivals = [...sandbox.stats.arrivals].sort((a, b) => a - b);
      expect(arrivals).toHaveLength(REQUESTS);
      // GCRA allows at most `burst` plus one per interval in any window; one extra for transport jitter.
      let busiest = 0;
      for (const [index, start] of arrivals.entries()) {
        let count = 0;
        for (let next = index; next < arrivals.length && arrivals[next]! < start + 1000; next++) count++;
        busiest = Math.max(busiest, count);
      }
      // On a busy machine a process can stall: the simulator then stamps requests that arrived during the
      // stall together, and a gateway sends slots it booked before the stall late. Either moves up to
      // rate × stall requests into a later window: allowed for the longest stall this process saw.
      const stalled = Math.ceil((PER_SECOND * stalls.max) / 1e9);
      expect(busiest).toBeLessThanOrEqual(PER_SECOND + BURST + 1 + SPARE + stalled);
      // Paced, not merely lucky: 120 requests at 20/s cannot arrive faster than this.
      expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThanOrEqual(
        ((REQUESTS - BURST) / PER_SECOND) * 1000 * 0.9,
      );
      expect(sandbox.stats.byStatus[429] ?? 0).toBe(0);
    });
  },
);
