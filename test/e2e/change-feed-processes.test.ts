import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { getSyncState, recentSyncPasses } from '../../src/db/queries/sync';
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
  type TestGateway,
} from '../support/gateway';
import { type LoopbackServer, serveFetch } from '../support/http-servers';
import { freePort, type RunningProcess, startProcess } from '../support/processes';
import { waitFor } from '../support/wait';

interface EventBody {
  id: string;
  type: string;
  data: { object: { id: string } };
}

const LEASE_SECONDS = 3;

/**
 * Two gateway processes and one `npm run worker` on one PostgreSQL and one Redis (BullMQ), against a
 * simulator over HTTP: passes run wherever BullMQ hands them; the process running one is killed with
 * SIGKILL mid-pass under 429s and 5xx, and the others finish it. Every change yields its events once.
 */
describe('change feed across processes (PostgreSQL + Redis + BullMQ)', { timeout: 240_000 }, () => {
  let storage: Storage;
  let sandbox: PersonioSandbox;
  let personio: LoopbackServer;
  let tenant: Tenant;
  let reader: TestGateway;
  const processes: { name: string; process: RunningProcess; url?: string }[] = [];
  /** The processes' BullMQ queue, read to tell when every job has run. */
  let queue: Queue;

  beforeAll(async () => {
    storage = await openStorage('postgres');
    sandbox = createPersonioSandbox({ employees: 400, seed: 21 });
    personio = await serveFetch(sandbox.fetch);
    const env = {
      PERSONIO_BASE_URL: `${personio.url}/v1`,
      UPSTREAM_RATE_LIMIT_PER_SECOND: '1000',
      UPSTREAM_RATE_LIMIT_BURST: '1000',
    };
    const setup = await startGateway(storage, null, undefined, { env, fetch: (request) => fetch(request) });
    tenant = await createTenant(setup);
    reader = await startGateway(storage, null, tenant, { env, fetch: (request) => fetch(request) });
    const shared = {
      DATABASE_URL: storage.databaseUrl!,
      DATABASE_CONNECT_TIMEOUT_MS: String(TEST_CONNECT_TIMEOUT_MS),
      REDIS_URL: inject('redisUrl'),
      REDIS_KEY_PREFIX: `roster:feed${Date.now()}:`,
      ENCRYPTION_KEY,
      SYNC_LEASE_SECONDS: String(LEASE_SECONDS),
      LOG_LEVEL: process.env.CHANGE_FEED_DEBUG ? 'debug' : 'warn',
      ...env,
    };
    queue = new Queue('sync', {
      connection: new Redis(inject('redisUrl'), { maxRetriesPerRequest: null }),
      prefix: `${shared.REDIS_KEY_PREFIX}bull`,
    });
    for (const name of ['gateway-1', 'gateway-2']) {
      const port = await freePort();
      processes.push({
        name,
        url: `http://127.0.0.1:${port}`,
        process: startProcess('node', ['--import', 'tsx', 'src/node.ts'], { ...shared, PORT: String(port) }),
      });
    }
    processes.push({
      name: 'worker',
      process: startProcess('node', ['--import', 'tsx', 'src/job-runner.ts'], shared),
    });
    await Promise.all(
      processes.map(({ process }) => process.waitFor(/Ready in \d+ ms|job worker ready/, 90_000)),
    );
  });

  afterAll(async () => {
    await Promise.all(processes.map(({ process }) => process.stop()));
    await queue?.close();
    await personio?.close();
    await storage?.close();
  });

  const ref = () => ({ environmentId: tenant.environmentId, linkedAccountId: tenant.linkedAccountId });

  async function startSync(url: string) {
    const response = await fetch(`${url}/linked-accounts/${tenant.linkedAccountId}/sync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.apiKey}` },
    });
    expect(response.status).toBe(202);
  }

  /** Settled: no sync job queued or running, no pass running or owed. */
  async function settled() {
    return waitFor(
      async () => {
        const jobs = await queue.getJobCounts('waiting', 'active', 'prioritized');
        if (Object.values(jobs).some((count) => count > 0)) return undefined;
        const state = await getSyncState(storage.database.db, ref());
        const [latest] = await recentSyncPasses(storage.database.db, ref(), 1);
        const covered =
          state?.requestedAt && state.lastPassStartedAt && state.lastPassStartedAt >= state.requestedAt;
        return state && !state.leaseOwner && covered && latest?.status !== 'running' ? latest : undefined;
      },
      'every requested pass to finish',
      90_000,
    );
  }

  async function allEvents(): Promise<EventBody[]> {
    const events: EventBody[] = [];
    let cursor: string | null = null;
    do {
      const response = await reader.request(
        `/events?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      const body = (await response.json()) as { result: EventBody[]; next_cursor: string | null };
      events.push(...body.result);
      cursor = body.next_cursor;
    } while (cursor);
    return events;
  }

  it('fills the copy on the first pass without record events', async () => {
    // The processes register the account's schedule at start, and BullMQ runs its first pass at once.
    await startSync(processes[0]!.url!);
    const pass = await settled();
    expect(pass.status).toBe('completed');
    const passes = await recentSyncPasses(storage.database.db, ref(), 10);
    expect(passes.at(-1)!.initial).toBe(true);
    expect(passes.slice(0, -1).every((earlier) => !earlier.initial)).toBe(true);
    expect((await allEvents()).filter((event) => !event.type.startsWith('linked_account.'))).toEqual([]);
  });

  it('a pass killed with SIGKILL mid-way under 429s and 5xx is finished elsewhere: no lost, repeated or false events', async () => {
    const before = new Set((await allEvents()).map((event) => event.id));
    // Changes spread over the whole walk: early and late employee pages, absences of several employees.
    const ids = sandbox.employeeIds();
    const updated = [ids[2]!, ids[150]!, ids[260]!, ids[399]!];
    for (const id of updated) sandbox.changes.changeEmployee(id, { position: `Changed ${id}` });
    const hired = sandbox.changes.hireEmployee({ firstName: 'Killed', lastName: 'Midway' }).id;
    // Inside the account's sync window (default 400 days back, 730 ahead).
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    const window = `start_date=${day(-399)}&end_date=${day(729)}`;
    const pending = (
      (await (
        await reader.request(`/unified/hris/timeoff-requests?status=requested&limit=200&${window}`)
      ).json()) as {
        result: { id: string }[];
      }
    ).result;
    const approved = pending.slice(0, 3).map((request) => request.id);
    for (const id of approved) expect(sandbox.changes.setAbsenceStatus(id, 'approved')).toBe(true);
    const any = (
      (await (
        await reader.request(`/unified/hris/timeoff-requests?status=approved&limit=200&${window}`)
      ).json()) as {
        result: { id: string }[];
      }
    ).result.filter((request) => !approved.includes(request.id));
    const deleted = [any[0]!.id, any.at(-1)!.id];
    for (const id of deleted) expect(sandbox.changes.deleteAbsence(id)).toBe(true);

    sandbox.setFaults({ latencyMs: [20, 60], rateLimitedRate: 0.2, serverErrorRate: 0.05, seed: 5 });
    try {
      // Both gateways ask at once; BullMQ and the lease make it one pass at a time.
      await Promise.all([startSync(processes[0]!.url!), startSync(processes[1]!.url!)]);
      const victim = await waitFor(
        async () => {
          const state = await getSyncState(storage.database.db, ref());
          const [latest] = await recentSyncPasses(storage.database.db, ref(), 1);
          const pid = state?.leaseOwner?.match(/:(\d+)\//)?.[1];
          return pid && latest?.status === 'running' && latest.counts.upstream_pages >= 3
            ? { pid: Number(pid), passId: latest.id }
            : undefined;
        },
        'a pass part-way through',
        90_000,
      );
      const holder = processes.find(({ process }) => process.child.pid === victim.pid);
      expect(holder, `lease owner pid ${victim.pid} is one of ours`).toBeDefined();
      process.kill(victim.pid, 'SIGKILL');
      expect(await holder!.process.exited).toBeNull();
      const finished = await settled();
      const resumed = (await recentSyncPasses(storage.database.db, ref(), 5)).find(
        (pass) => pass.id === victim.passId,
      );
      expect(resumed?.status).toBe('completed');
      expect(finished.status).toBe('completed');
    } finally {
      sandbox.setFaults({});
    }

    const fresh = (await allEvents()).filter((event) => !before.has(event.id));
    const recordEvents = fresh
      .filter((event) => !event.type.startsWith('linked_account.'))
      .map((event) => `${event.type} ${event.data.object.id}`)
      .sort();
    const passes = await recentSyncPasses(storage.database.db, ref(), 20);
    if (process.env.CHANGE_FEED_DEBUG) {
      for (const { name, process: child } of processes) {
        console.log(
          name,
          child.child.pid,
          child
            .output()
            .split('\n')
            .filter((line) => /sync|lease/.test(line))
            .join('\n'),
        );
      }
    }
    const story = JSON.stringify({
      events: fresh.map((event) => `${event.type} ${event.data.object.id}`),
      passes: passes.map((pass) => [
        pass.id,
        pass.mode,
        pass.trigger,
        pass.status,
        pass.startedAt,
        pass.counts,
      ]),
    });
    expect(recordEvents, story).toEqual(
      [
        ...updated.map((id) => `employee.updated ${id}`),
        `employee.created ${hired}`,
        `employee.hired ${hired}`,
        ...approved.flatMap((id) => [`timeoff_request.updated ${id}`, `timeoff_request.approved ${id}`]),
        ...deleted.map((id) => `timeoff_request.deleted ${id}`),
      ].sort(),
    );
  });
});
