import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncedRecords } from '../../src/db/schema';
import type { PersonioSandbox } from '../../src/sandbox/personio';
import { createServices } from '../../src/services';
import { json, sandboxAction, syncNow as syncAccount } from '../support/change-feed';
import {
  type Backend,
  createPersonioSandbox,
  createTenant,
  openStorage,
  SANDBOX_CREDENTIALS,
  type Storage,
  startGateway,
  type Tenant,
  type TestGateway,
} from '../support/gateway';
import { UNPACED } from '../support/timeoff';

interface EventBody {
  id: string;
  type: string;
  data: { object: Record<string, unknown>; previous_attributes?: Record<string, unknown> };
}

describe.each<Backend>(['pglite', 'postgres'])('custom fields and field mappings (%s)', (backend) => {
  let storage: Storage;
  let sandbox: PersonioSandbox;
  let gateway: TestGateway;
  let acme: Tenant;
  const seen = new Set<string>();

  beforeAll(async () => {
    storage = await openStorage(backend);
    sandbox = createPersonioSandbox({ employees: 20, seed: 16 });
    const options = { ...UNPACED, builtInSandbox: true };
    const setup = await startGateway(storage, sandbox, undefined, options);
    acme = await createTenant(setup, SANDBOX_CREDENTIALS.full, 'Acme', 'personio-sandbox');
    gateway = await startGateway(storage, sandbox, acme, options);
  });

  afterAll(async () => {
    if (gateway) (await createServices(gateway.deps)).jobs.close();
    await storage?.close();
  });

  const syncNow = () => syncAccount(gateway, acme);

  /** The environment's events not returned by an earlier call. */
  async function newEvents(): Promise<EventBody[]> {
    const events: EventBody[] = [];
    let next: string | null = null;
    do {
      const page = await json(
        gateway,
        `/events?limit=200${next ? `&cursor=${encodeURIComponent(next)}` : ''}`,
      );
      expect(page.status).toBe(200);
      events.push(...page.body.result);
      next = page.body.next_cursor;
    } while (next);
    const fresh = events.filter((event) => !seen.has(event.id));
    for (const event of fresh) seen.add(event.id);
    return fresh;
  }

  it('keys custom_fields by the attribute key on live and synced reads', async () => {
    const id = String(sandbox.employeeIds()[0]);
    const live = await json(gateway, `/unified/hris/employees/${id}`);
    expect(live.status).toBe(200);
    expect(Object.keys(live.body.result.custom_fields).sort()).toEqual([
      'dynamic_1001',
      'dynamic_1002',
      'dynamic_1003',
      'dynamic_1004',
    ]);
    expect(live.body.result.custom_fields.dynamic_1004).toMatch(/@business\.example-company\.test$/);
    await syncNow();
    await newEvents();
    const synced = await json(gateway, `/unified/hris/employees/${id}?source=synced`);
    expect(synced.body.result.custom_fields).toEqual(live.body.result.custom_fields);
  });

  it('a copy stored with label keys is re-keyed by the next pass without employee events', async () => {
    const id = String(sandbox.employeeIds()[1]);
    const { db } = storage.database;
    const where = and(
      eq(syncedRecords.linkedAccountId, acme.linkedAccountId),
      eq(syncedRecords.kind, 'employee'),
      eq(syncedRecords.remoteId, id),
    );
    const [row] = await db.select().from(syncedRecords).where(where);
    const custom = row!.data.custom_fields as Record<string, unknown>;
    // As the previous release stored it, marked as migration 0009 marks every stored employee.
    const old = {
      ...row!.data,
      custom_fields: { 'Shirt size': custom.dynamic_1001, 'Date of birth': custom.dynamic_1002 },
    };
    await db.update(syncedRecords).set({ data: old, contentHash: 'rebaseline' }).where(where);
    const pass = await syncNow();
    expect(pass.status).toBe('completed');
    expect((await newEvents()).map((event) => event.type)).toEqual(['linked_account.sync_completed']);
    const [rewritten] = await db.select().from(syncedRecords).where(where);
    expect(rewritten!.data.custom_fields).toEqual(custom);
    expect(rewritten!.contentHash).not.toBe('rebaseline');
    // Later changes of the record are announced again.
    await sandboxAction(gateway, acme, {
      action: 'update_employee',
      employee_id: id,
      job_title: 'Archivist',
    });
    await syncNow();
    expect((await newEvents()).map((event) => event.type)).toEqual([
      'employee.updated',
      'linked_account.sync_completed',
    ]);
  });
});
