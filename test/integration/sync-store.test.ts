import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client';
import { deleteEventsBefore, getEvent, insertEvents } from '../../src/db/queries/events';
import {
  acquireSyncLease,
  ensureSyncState,
  insertSyncedRecord,
  loadSyncedRecords,
  renewSyncLease,
  replaceSyncedRecord,
} from '../../src/db/queries/sync';
import { events } from '../../src/db/schema';
import { createServices } from '../../src/services';
import {
  type Backend,
  createPersonioSandbox,
  createTenant,
  openStorage,
  type Storage,
  startGateway,
  type Tenant,
} from '../support/gateway';

/** The database guarantees under the change feed, without the pass around them. */
describe.each<Backend>(['pglite', 'postgres'])('synced copy store (%s)', (backend) => {
  let storage: Storage;
  let db: Database;
  let tenant: Tenant;
  const ref = () => ({ environmentId: tenant.environmentId, linkedAccountId: tenant.linkedAccountId });

  beforeAll(async () => {
    storage = await openStorage(backend);
    const gateway = await startGateway(storage, createPersonioSandbox({ employees: 10 }));
    tenant = await createTenant(gateway);
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
