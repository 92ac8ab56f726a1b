import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER } from '../../src/db/connect';
import { syncedRecords } from '../../src/db/schema';
import type { PersonioSandbox } from '../../src/sandbox/personio';
import { createServices } from '../../src/services';
import {
  allEvents,
  type EventBody,
  json,
  sandboxAction,
  syncNow as syncAccount,
} from '../support/change-feed';
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
  walk,
} from '../support/gateway';
import { UNPACED } from '../support/timeoff';

const REKEY_MIGRATION = readFileSync(join(MIGRATIONS_FOLDER, '0010_custom_fields_by_key.sql'), 'utf8');

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
    const events = await allEvents(gateway);
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
    // As the previous release stored it; then migration 0009 as an upgrade runs it.
    const old = {
      ...row!.data,
      custom_fields: { 'Shirt size': custom.dynamic_1001, 'Date of birth': custom.dynamic_1002 },
    };
    await db.update(syncedRecords).set({ data: old }).where(where);
    for (const statement of REKEY_MIGRATION.split('--> statement-breakpoint'))
      await db.execute(sql.raw(statement));
    const marked = await db
      .select({ contentHash: syncedRecords.contentHash, kind: syncedRecords.kind })
      .from(syncedRecords)
      .where(eq(syncedRecords.linkedAccountId, acme.linkedAccountId));
    expect(marked.filter((record) => record.kind === 'employee').length).toBeGreaterThan(1);
    for (const record of marked) {
      expect(record.contentHash === 'rebaseline', record.kind).toBe(record.kind === 'employee');
    }
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

  const mappingsPath = () => `/linked-accounts/${acme.linkedAccountId}/field-mappings`;
  const putMappings = (mappings: unknown[], path = mappingsPath()) =>
    json(gateway, path, { method: 'PUT', body: JSON.stringify({ mappings }) });

  /** One employee as every read shows it: live and synced, get and list. */
  async function everyRead(id: string) {
    const reads: Record<string, Record<string, unknown>> = {};
    for (const source of ['live', 'synced']) {
      const got = await json(gateway, `/unified/hris/employees/${id}?source=${source}`);
      expect(got.status).toBe(200);
      reads[`get ${source}`] = got.body.result;
      const listed = await walk<Record<string, unknown>>(
        gateway,
        `/unified/hris/employees?limit=200&source=${source}`,
      );
      reads[`list ${source}`] = listed.items.find((employee) => employee.id === id)!;
    }
    return reads;
  }

  it('work_email mapped to a custom attribute: list, get and events agree; removing the mapping restores the default', async () => {
    const id = String(sandbox.employeeIds()[2]);
    const before = await everyRead(id);
    const personioEmail = before['get live']!.work_email as string;
    const businessEmail = (before['get live']!.custom_fields as Record<string, string>).dynamic_1004!;
    expect(businessEmail).toMatch(/@business\./);
    for (const [read, employee] of Object.entries(before))
      expect(employee.work_email, read).toBe(personioEmail);
    await syncNow();
    await newEvents();

    const put = await putMappings([{ target: 'work_email', remote_field: 'dynamic_1004' }]);
    expect(put.status).toBe(200);
    expect(put.body.result.effective).toEqual([
      { target: 'work_email', remote_field: 'dynamic_1004', source: 'linked_account', readable: true },
    ]);
    // A mapping change rewrites nothing in the copy and announces nothing.
    await syncNow();
    expect((await newEvents()).map((event) => event.type)).toEqual(['linked_account.sync_completed']);
    for (const [read, employee] of Object.entries(await everyRead(id))) {
      expect(employee.work_email, read).toBe(businessEmail);
      expect(employee.custom_fields, read).toEqual(before['get live']!.custom_fields);
    }

    // A change of the mapped attribute (written through the gateway) reads and is announced as work_email.
    const moved = `moved.${id}@business.example-company.test`;
    const patched = await json(gateway, `/unified/hris/employees/${id}`, {
      method: 'PATCH',
      body: JSON.stringify({ custom_fields: { dynamic_1004: moved } }),
    });
    expect(patched.status).toBe(200);
    expect(patched.body.result.work_email).toBe(moved);
    await syncNow();
    const updated = (await newEvents()).filter((event) => event.type === 'employee.updated');
    expect(updated).toHaveLength(1);
    expect(updated[0]!.data.object).toMatchObject({ id, work_email: moved });
    expect(updated[0]!.data.previous_attributes).toMatchObject({ work_email: businessEmail });
    for (const [read, employee] of Object.entries(await everyRead(id)))
      expect(employee.work_email, read).toBe(moved);

    // Removed: every read and the next event show Personio's own address again, and still no storm.
    expect((await putMappings([])).body.result).toEqual({ mappings: [], updated_at: null, effective: [] });
    await syncNow();
    expect((await newEvents()).map((event) => event.type)).toEqual(['linked_account.sync_completed']);
    for (const [read, employee] of Object.entries(await everyRead(id))) {
      expect(employee.work_email, read).toBe(personioEmail);
    }
    await sandboxAction(gateway, acme, {
      action: 'update_employee',
      employee_id: id,
      job_title: 'Registrar',
    });
    await syncNow();
    const restored = (await newEvents()).filter((event) => event.data.object.id === id);
    expect(restored.map((event) => event.type)).toEqual(['employee.updated']);
    expect(restored[0]!.data.object).toMatchObject({ work_email: personioEmail, job_title: 'Registrar' });
    // The event compares both sides under today's (no) mappings: only what changed in Personio.
    expect(restored[0]!.data.previous_attributes).toHaveProperty('job_title');
    expect(restored[0]!.data.previous_attributes).not.toHaveProperty('work_email');
  });

  it('environment defaults under account overrides; null keeps the default; transforms and custom keys', async () => {
    const id = String(sandbox.employeeIds()[5]);
    const original = (await json(gateway, `/unified/hris/employees/${id}`)).body.result;
    const defaults = await json(gateway, '/field-mappings', {
      method: 'PUT',
      body: JSON.stringify({
        mappings: [
          {
            target: 'custom_fields.shirt',
            remote_field: 'dynamic_1001',
            transform: { value_map: { S: 'small', M: 'medium', L: 'large', XL: 'extra large' } },
          },
          { target: 'job_title', remote_field: 'dynamic_1003', transform: { trim: true } },
        ],
      }),
    });
    expect(defaults.status).toBe(200);
    expect((await json(gateway, '/field-mappings')).body.result.mappings).toHaveLength(2);
    const raw = (await json(gateway, `/unified/hris/employees/${id}`)).body.result;
    expect(raw.custom_fields.shirt).toBe(
      { S: 'small', M: 'medium', L: 'large', XL: 'extra large' }[raw.custom_fields.dynamic_1001 as string] ??
        null,
    );
    expect(raw.job_title).toBe(raw.custom_fields.dynamic_1003);

    // The account keeps Personio's job title and maps the shirt size its own way.
    const overridden = await putMappings([
      { target: 'job_title', remote_field: null },
      { target: 'custom_fields.shirt', remote_field: 'dynamic_1001' },
    ]);
    expect(overridden.status).toBe(200);
    expect(overridden.body.result.effective).toEqual([
      {
        target: 'custom_fields.shirt',
        remote_field: 'dynamic_1001',
        source: 'linked_account',
        readable: true,
      },
    ]);
    const employee = (await json(gateway, `/unified/hris/employees/${id}`)).body.result;
    expect(employee.custom_fields.shirt).toBe(raw.custom_fields.dynamic_1001);
    expect(employee.job_title).toBe(original.job_title);

    // Writes go to the mapped attribute: `custom_fields.shirt` is Personio's dynamic_1001.
    const written = await json(gateway, `/unified/hris/employees/${id}`, {
      method: 'PATCH',
      body: JSON.stringify({ custom_fields: { shirt: 'XL' } }),
    });
    expect(written.status).toBe(200);
    expect(written.body.result.custom_fields).toMatchObject({ shirt: 'XL', dynamic_1001: 'XL' });
    await putMappings([]);
    await json(gateway, '/field-mappings', { method: 'PUT', body: JSON.stringify({ mappings: [] }) });
    const plain = (await json(gateway, `/unified/hris/employees/${id}`)).body.result;
    expect(plain.custom_fields).not.toHaveProperty('shirt');
    expect(plain.custom_fields.dynamic_1001).toBe('XL');
  });

  it('refuses mappings that cannot work, naming the mapping', async () => {
    const cases: [unknown[], string][] = [
      [[{ target: 'work_email', remote_field: 'dynamic_9999' }], 'mappings.0.remote_field'],
      [[{ target: 'work_email', remote_field: 'position' }], 'mappings.0.remote_field'],
      [[{ target: 'department', remote_field: 'dynamic_1004' }], 'mappings.0.target'],
      [
        [
          { target: 'work_email', remote_field: 'dynamic_1004' },
          { target: 'work_email', remote_field: 'dynamic_1003' },
        ],
        'mappings.1.target',
      ],
      [
        [{ target: 'hire_date', remote_field: 'dynamic_1002', transform: { date_format: 'tomorrow' } }],
        'mappings.0.transform.date_format',
      ],
    ];
    for (const [mappings, field] of cases) {
      const refused = await putMappings(mappings);
      expect(refused.status, JSON.stringify(mappings)).toBe(400);
      expect(refused.body.error.code).toBe('invalid_request');
      expect(refused.body.error.details.map((detail: { field: string }) => detail.field)).toContain(field);
    }
    const nullDefault = await json(gateway, '/field-mappings', {
      method: 'PUT',
      body: JSON.stringify({ mappings: [{ target: 'work_email', remote_field: null }] }),
    });
    expect(nullDefault.status).toBe(400);
    expect((await json(gateway, mappingsPath())).body.result.mappings).toEqual([]);
  });

  it('previews the first employees with proposed mappings, storing nothing', async () => {
    const preview = await json(gateway, `${mappingsPath()}/preview`, {
      method: 'POST',
      body: JSON.stringify({
        mappings: [{ target: 'work_email', remote_field: 'dynamic_1004' }],
        limit: 3,
      }),
    });
    expect(preview.status).toBe(200);
    expect(preview.body.result).toHaveLength(3);
    for (const employee of preview.body.result) {
      expect(employee.work_email).toBe(employee.custom_fields.dynamic_1004);
    }
    expect((await json(gateway, mappingsPath())).body.result.mappings).toEqual([]);
    const first = (await json(gateway, '/unified/hris/employees?limit=1')).body.result[0];
    expect(first.work_email).not.toBe(first.custom_fields.dynamic_1004);
  });

  it("a mapping the account's credential cannot read shows in its field_coverage", async () => {
    const limited = await createTenant(gateway, SANDBOX_CREDENTIALS.limited, 'Narrow', 'personio-sandbox');
    const as = { apiKey: limited.apiKey };
    const before = (await json(gateway, `/linked-accounts/${limited.linkedAccountId}`, as)).body.result;
    expect(before.field_coverage.available).toContain('work_email');
    const defaults = await json(gateway, '/field-mappings', {
      ...as,
      method: 'PUT',
      body: JSON.stringify({ mappings: [{ target: 'work_email', remote_field: 'dynamic_1004' }] }),
    });
    expect(defaults.status).toBe(200);
    const after = (await json(gateway, `/linked-accounts/${limited.linkedAccountId}`, as)).body.result;
    expect(after.field_coverage.available).not.toContain('work_email');
    expect(after.field_coverage.unavailable).toContainEqual({
      field: 'work_email',
      remote_fields: ['dynamic_1004'],
    });
    expect(after.field_coverage).not.toHaveProperty('readable_remote_fields');
    const listed = (await json(gateway, '/linked-accounts', as)).body.result;
    expect(listed[0].field_coverage).toEqual(after.field_coverage);
    const effective = (await json(gateway, `/linked-accounts/${limited.linkedAccountId}/field-mappings`, as))
      .body.result.effective;
    expect(effective).toEqual([
      { target: 'work_email', remote_field: 'dynamic_1004', source: 'environment', readable: false },
    ]);
    // Reads give null, as for any field the credential cannot read.
    const employee = (
      await json(gateway, '/unified/hris/employees?limit=1', {
        ...as,
        linkedAccountId: limited.linkedAccountId,
      })
    ).body.result[0];
    expect(employee.work_email).toBeNull();
  });
});
