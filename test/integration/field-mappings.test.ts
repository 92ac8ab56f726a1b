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
    const later = (await newEvents()).filter((event) => event.data.object.id === id);
    expect(later.map((event) => event.type)).toEqual(['employee.updated']);
  });

  it('lists the remote fields: key, label, type, whitelisted, custom; samples only when asked', async () => {
    const plain = await json(gateway, `/linked-accounts/${acme.linkedAccountId}/remote-fields`);
    expect(plain.status).toBe(200);
    const byKey = new Map(plain.body.result.map((field: { key: string }) => [field.key, field]));
    expect(byKey.get('dynamic_1004')).toEqual({
      key: 'dynamic_1004',
      label: 'Business email',
      type: 'standard',
      options: [],
      whitelisted: true,
      custom: true,
      default_for: [],
    });
    expect(byKey.get('email')).toMatchObject({
      whitelisted: true,
      custom: false,
      default_for: ['work_email'],
    });
    expect(byKey.get('dynamic_1001')).toMatchObject({ label: 'Shirt size', options: ['S', 'M', 'L', 'XL'] });

    const sampled = await json(
      gateway,
      `/linked-accounts/${acme.linkedAccountId}/remote-fields?include_samples=true`,
    );
    expect(sampled.status).toBe(200);
    const samples = new Map<string, string[]>(
      sampled.body.result.map((field: { key: string; sample_values: string[] }) => [
        field.key,
        field.sample_values,
      ]),
    );
    expect(samples.get('dynamic_1004')!.length).toBe(3);
    for (const value of samples.get('dynamic_1004')!)
      expect(value).toMatch(/@business\.example-company\.test$/);
    expect(samples.get('department')!.length).toBeGreaterThan(0);
    // Pay is never sampled, nor pictures; the credential's secret appears nowhere.
    expect(samples.get('fix_salary')).toEqual([]);
    expect(samples.get('profile_picture')).toEqual([]);
    expect(JSON.stringify(sampled.body)).not.toContain(SANDBOX_CREDENTIALS.full.clientSecret);
    expect(samples.get('last_working_day')!.length).toBeGreaterThan(0);

    // While the account hides absence details, fields that reveal absences have no samples.
    const hide = (value: boolean) =>
      json(gateway, `/linked-accounts/${acme.linkedAccountId}`, {
        method: 'PATCH',
        body: JSON.stringify({ settings: { hide_absence_details: value } }),
      });
    expect((await hide(true)).status).toBe(200);
    const hidden = await json(
      gateway,
      `/linked-accounts/${acme.linkedAccountId}/remote-fields?include_samples=true`,
    );
    const hiddenSamples = new Map<string, string[]>(
      hidden.body.result.map((field: { key: string; sample_values: string[] }) => [
        field.key,
        field.sample_values,
      ]),
    );
    expect(hiddenSamples.get('last_working_day')).toEqual([]);
    expect(hiddenSamples.get('dynamic_1004')!.length).toBe(3);
    await hide(false);
  });

  it('a narrow credential: the fields unified fields would read are listed as not whitelisted', async () => {
    const limited = await createTenant(gateway, SANDBOX_CREDENTIALS.limited, 'Limited', 'personio-sandbox');
    const listed = await json(gateway, `/linked-accounts/${limited.linkedAccountId}/remote-fields`, {
      apiKey: limited.apiKey,
    });
    expect(listed.status).toBe(200);
    const byKey = new Map(listed.body.result.map((field: { key: string }) => [field.key, field]));
    expect(byKey.get('email')).toMatchObject({ whitelisted: true });
    expect(byKey.get('position')).toEqual({
      key: 'position',
      label: 'Position',
      type: null,
      options: [],
      whitelisted: false,
      custom: false,
      default_for: ['job_title'],
    });
    expect([...byKey.keys()].some((key) => String(key).startsWith('dynamic_'))).toBe(false);
    const foreign = await json(gateway, `/linked-accounts/${limited.linkedAccountId}/remote-fields`);
    expect(foreign.status).toBe(404);
  });
});
