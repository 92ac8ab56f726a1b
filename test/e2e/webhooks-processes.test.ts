import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { insertEvents } from '../../src/db/queries/events';
import { webhookDeliveries } from '../../src/db/schema';
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
import { type RecordedRequest, recordingServer } from '../support/http-servers';
import { type RunningProcess, startProcess } from '../support/processes';
import { waitFor } from '../support/wait';

const EVENTS = 300;

/**
 * `npm run worker` delivering on BullMQ (PostgreSQL + Redis) is killed with SIGKILL in the middle of a
 * batch; a new worker takes over. Every event arrives at least once, and a repeat is the same event under
 * the same `webhook-id`.
 */
describe('webhook deliveries across a kill -9 (PostgreSQL + Redis + BullMQ)', { timeout: 300_000 }, () => {
  let storage: Storage;
  let tenant: Tenant;
  let receiver: Awaited<ReturnType<typeof recordingServer>>;
  const workers: RunningProcess[] = [];
  let shared: Record<string, string>;

  beforeAll(async () => {
    storage = await openStorage('postgres');
    const sandbox = createPersonioSandbox({ employees: 10, seed: 4 });
    const setup = await startGateway(storage, sandbox);
    tenant = await createTenant(setup);
    // A receiver that takes a moment per request, so the batch is still running when the worker dies.
    receiver = await recordingServer((_request, response) => {
      setTimeout(() => response.writeHead(204).end(), 15);
    });
    shared = {
      DATABASE_URL: storage.databaseUrl!,
      DATABASE_CONNECT_TIMEOUT_MS: String(TEST_CONNECT_TIMEOUT_MS),
      REDIS_URL: inject('redisUrl'),
      REDIS_KEY_PREFIX: `roster:hooks${Date.now()}:`,
      ENCRYPTION_KEY,
      WEBHOOK_TARGETS: 'loopback',
      WEBHOOK_TIMEOUT_MS: '2000',
      WEBHOOK_ENDPOINT_CONCURRENCY: '8',
      LOG_LEVEL: 'warn',
    };
  });

  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
    await receiver?.close();
    await storage?.close();
  });

  it('delivers every event at least once, duplicates only under the same webhook-id', async () => {
    const gateway = await startGateway(storage, null, tenant, {
      fetch: () => Promise.reject(new Error('no Personio here')),
      env: { WEBHOOK_TARGETS: 'loopback' },
    });
    const created = await gateway.request('/webhook-endpoints', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: `${receiver.url}/hooks`, event_types: ['employee.*'] }),
    });
    expect(created.status).toBe(201);
    const { secret } = ((await created.json()) as { result: { secret: string } }).result;

    const eventIds = new Set<string>();
    for (let batch = 0; batch < EVENTS / 100; batch++) {
      const stored = await storage.database.db.transaction((tx) =>
        insertEvents(tx as never, {
          environmentId: tenant.environmentId,
          linkedAccountId: tenant.linkedAccountId,
          events: Array.from({ length: 100 }, (_, index) => ({
            type: 'employee.updated' as const,
            data: { object: { id: `${batch * 100 + index}` }, previous_attributes: { job_title: null } },
          })),
        }),
      );
      for (const event of stored) eventIds.add(event.id);
    }

    const first = startProcess('node', ['--import', 'tsx', 'src/job-runner.ts'], shared);
    workers.push(first);
    await first.waitFor(/job worker ready/, 90_000);
    await waitFor(
      async () => (receiver.requests.length >= EVENTS / 4 ? true : undefined),
      'a quarter delivered',
      120_000,
    );
    process.kill(first.child.pid!, 'SIGKILL');
    expect(await first.exited).toBeNull();
    const atKill = receiver.requests.length;
    expect(atKill).toBeLessThan(EVENTS);
    // What the killed process had recorded as delivered: its attempts are recorded a batch at a time, so the
    // receiver may have more (sent, not yet recorded); only those may come again.
    const recordedAtKill = (await storage.database.db.select().from(webhookDeliveries)).filter(
      (row) => row.status === 'succeeded',
    ).length;
    expect(recordedAtKill).toBeLessThanOrEqual(atKill);

    const second = startProcess('node', ['--import', 'tsx', 'src/job-runner.ts'], shared);
    workers.push(second);
    await second.waitFor(/job worker ready/, 90_000);
    const received = () => new Set(receiver.requests.map((request) => String(request.headers['webhook-id'])));
    await waitFor(
      async () => ([...eventIds].every((id) => received().has(id)) ? true : undefined),
      'every event delivered',
      120_000,
    );
    await waitFor(
      async () => {
        const rows = await storage.database.db.select().from(webhookDeliveries);
        return rows.every((row) => row.status === 'succeeded') ? true : undefined;
      },
      'every delivery recorded as succeeded',
      120_000,
    );

    // Every request is a signed event of ours; a repeat carries the same webhook-id and the same event.
    const verifier = new Webhook(secret);
    const bodiesById = new Map<string, Set<string>>();
    for (const request of receiver.requests as RecordedRequest[]) {
      const id = String(request.headers['webhook-id']);
      const payload = verifier.verify(request.body.toString(), request.headers as Record<string, string>) as {
        id: string;
      };
      expect(payload.id).toBe(id);
      expect(eventIds.has(id)).toBe(true);
      const bodies = bodiesById.get(id) ?? new Set();
      bodies.add(request.body.toString());
      bodiesById.set(id, bodies);
    }
    expect(bodiesById.size).toBe(EVENTS);
    expect([...bodiesById.values()].every((bodies) => bodies.size === 1)).toBe(true);
    // Only what was sent but not recorded at the kill can arrive twice: a recorded delivery is never sent again.
    expect(receiver.requests.length - EVENTS).toBeLessThanOrEqual(atKill - recordedAtKill);
  });
});
