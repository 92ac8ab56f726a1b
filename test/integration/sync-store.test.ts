import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client';
import { deleteEventsBefore, getEvent, insertEvents } from '../../src/db/queries/events';
import { getLinkedAccount, updateLinkedAccountSettings } from '../../src/db/queries/linked-accounts';
import {
  acquireSyncLease,
  ensureSyncState,
  insertSyncedRecord,
  loadSyncedRecords,
  recentSyncPasses,
  releaseSyncLease,
  renewSyncLease,
  replaceSyncedRecord,
} from '../../src/db/queries/sync';
import { events } from '../../src/db/schema';
import { InProcessJobs } from '../../src/jobs/in-process';
import { createServices } from '../../src/services';
import { syncRunnerDeps } from '../../src/sync/deps';
import {
  type Backend,
  createPersonioSandbox,
  createTenant,
  openStorage,
  type Storage,
  startGateway,
  type Tenant,
  type TestGateway,
} from '../support/gateway';
import { UNPACED } from '../support/timeoff';

/** The database guarantees under the change feed, without the pass around them. */
describe.each<Backend>(['pglite', 'postgres'])('synced copy store (%s)', (backend) => {
  let storage: Storage;
  let db: Database;
  let tenant: Tenant;
  let gateway: TestGateway;
  const ref = () => ({ environmentId: tenant.environmentId, linkedAccountId: tenant.linkedAccountId });

  beforeAll(async () => {
    storage = await openStorage(backend);
    gateway = await startGateway(storage, createPersonioSandbox({ employees: 10 }), undefined, UNPACED);
    tenant = await createTenant(gateway);
    // Beside the store tests: the scheduler test creates a second tenant and syncs through this gateway.
    db = (await createServices(gateway.deps)).db;
  });

  afterAll(async () => {
    await storage?.close();
  });

  it('two writers replaying the same change: exactly one of them writes it', async () => {
    const record = {
      ...ref(),
      kind: 'employee' as const,
      remoteId: '77',
      data: { id: '77', job_title: 'A' },
      contentHash: 'h1',
    };
    const inserted = await Promise.all([insertSyncedRecord(db, record), insertSyncedRecord(db, record)]);
    expect(inserted.sort()).toEqual([false, true]);

    const [row] = [
      ...(await loadSyncedRecords(db, { ...ref(), kind: 'employee', remoteIds: ['77'] })).values(),
    ];
    const change = { ...record, data: { id: '77', job_title: 'B' }, contentHash: 'h2', expected: row! };
    const replaced = await Promise.all([
      db.transaction((tx) => replaceSyncedRecord(tx as unknown as Database, change)),
      db.transaction((tx) => replaceSyncedRecord(tx as unknown as Database, change)),
    ]);
    expect(replaced.sort()).toEqual([false, true]);
    // And once more later, from a writer that read the old row before: nothing.
    expect(await replaceSyncedRecord(db, change)).toBe(false);
  });

  it('retention removes events older than the cut-off, and only those', async () => {
    const [old, recent] = await db.transaction(async (tx) =>
      insertEvents(tx as unknown as Database, {
        ...ref(),
        events: [
          { type: 'employee.created', data: { object: { id: 'old' } } },
          { type: 'employee.created', data: { object: { id: 'recent' } } },
        ],
      }),
    );
    await db
      .update(events)
      .set({ createdAt: new Date(Date.now() - 40 * 86_400_000) })
      .where(eq(events.id, old!.id));
    const removed = await deleteEventsBefore(db, {
      before: new Date(Date.now() - 30 * 86_400_000),
      batch: 100,
    });
    expect(removed).toBe(1);
    expect(await getEvent(db, { environmentId: tenant.environmentId, id: old!.id })).toBeUndefined();
    expect(await getEvent(db, { environmentId: tenant.environmentId, id: recent!.id })).toBeDefined();
  });

  it('the in-process scheduler runs due accounts and leaves accounts with sync off alone', async () => {
    const services = await createServices(gateway.deps);
    const off = await createTenant(gateway, undefined, 'Quiet');
    await updateLinkedAccountSettings(db, {
      environmentId: off.environmentId,
      id: off.linkedAccountId,
      settings: { sync_enabled: false },
      now: new Date(),
    });
    const jobs = new InProcessJobs(syncRunnerDeps(services));
    jobs.startScheduler(50);
    try {
      const deadline = Date.now() + 60_000;
      while ((await recentSyncPasses(db, ref(), 1))[0]?.status !== 'completed') {
        if (Date.now() > deadline) throw new Error('no scheduled pass');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const [pass] = await recentSyncPasses(db, ref(), 1);
      expect(pass!.trigger).toBe('schedule');
      expect(pass!.mode).toBe('full');
    } finally {
      await jobs.close();
    }
    expect(
      await recentSyncPasses(db, { environmentId: off.environmentId, linkedAccountId: off.linkedAccountId }),
    ).toEqual([]);
  });

  it('manual requests while a pass is held elsewhere start one waiting job here, and one pass follows', async () => {
    const services = await createServices(gateway.deps);
    await ensureSyncState(db, ref());
    const before = (await recentSyncPasses(db, ref(), 1))[0]?.id;
    expect(await acquireSyncLease(db, { ...ref(), owner: 'elsewhere', ttlMs: 600_000 })).toBeDefined();
    const jobs = new InProcessJobs(syncRunnerDeps(services));
    try {
      const account = await getLinkedAccount(db, {
        environmentId: tenant.environmentId,
        id: tenant.linkedAccountId,
      });
      for (let i = 0; i < 20; i++) await jobs.requestSync(account!);
      // Twenty requests, one job polling for the lease (not twenty).
      expect(jobs.jobCounts).toEqual({ started: 1, active: 1 });
      await releaseSyncLease(db, { ...ref(), owner: 'elsewhere', force: true });
      const deadline = Date.now() + 60_000;
      while (jobs.jobCounts.active > 0 || (await recentSyncPasses(db, ref(), 1))[0]?.id === before) {
        if (Date.now() > deadline) throw new Error('no pass after the lease was released');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect((await recentSyncPasses(db, ref(), 1))[0]!.status).toBe('completed');
      // The job that waited, plus the one that follows it for a request it may have judged covered.
      expect(jobs.jobCounts.started).toBe(2);
    } finally {
      await jobs.close();
    }
  });

  it('a pass lease is held by one owner; a holder whose lease ran out cannot renew it', async () => {
    await ensureSyncState(db, ref());
    expect(await acquireSyncLease(db, { ...ref(), owner: 'a', ttlMs: 60_000 })).toBeDefined();
    expect(await acquireSyncLease(db, { ...ref(), owner: 'b', ttlMs: 60_000 })).toBeUndefined();
    expect(await renewSyncLease(db, { ...ref(), owner: 'a', ttlMs: 1 })).toBe(true);
    // Expired: b takes it over, and a's next page (which renews first) is refused.
    const deadline = Date.now() + 30_000;
    while (!(await acquireSyncLease(db, { ...ref(), owner: 'b', ttlMs: 60_000 }))) {
      if (Date.now() > deadline) throw new Error('the lease never expired');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await renewSyncLease(db, { ...ref(), owner: 'a', ttlMs: 60_000 })).toBe(false);
  });
});
