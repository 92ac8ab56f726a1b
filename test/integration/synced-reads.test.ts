import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordLinkedAccountCheck } from '../../src/db/queries/linked-accounts';
import type { PersonioSandbox } from '../../src/sandbox/personio';
import { createServices } from '../../src/services';
import { json, sandboxAction, syncNow } from '../support/change-feed';
import {
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
import { waitFor } from '../support/wait';

// biome-ignore lint/suspicious/noExplicitAny: records are compared as whole JSON.
type Json = any;

/** Small deterministic generator, so a failing combination can be replayed from the printed seed. */
function prng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    chance: (p: number) => next() < p,
    pick: <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!,
    subset: <T>(items: readonly T[]) => {
      const chosen = items.filter(() => next() < 0.5);
      return chosen.length > 0 ? chosen : [items[Math.floor(next() * items.length)]!];
    },
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
  };
}

const DAY_MS = 86_400_000;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

describe('synced reads (postgres, 2,000 employees)', () => {
  let storage: Storage;
  let sandbox: PersonioSandbox;
  let gateway: TestGateway;
  let acme: Tenant;
  let pass: Json;
  let window: { start_date: string; end_date: string };

  beforeAll(async () => {
    storage = await openStorage('postgres');
    sandbox = createPersonioSandbox({ employees: 2000, seed: 13 });
    const options = { ...UNPACED, builtInSandbox: true };
    const setup = await startGateway(storage, sandbox, undefined, options);
    acme = await createTenant(setup, SANDBOX_CREDENTIALS.full, 'Acme', 'personio-sandbox');
    gateway = await startGateway(storage, sandbox, acme, options);
  }, 120_000);

  afterAll(async () => {
    if (gateway) (await createServices(gateway.deps)).jobs.close();
    await storage?.close();
  });

  /** Follows `next_cursor` to the end; every page must agree on the freshness header. */
  async function walk(path: string) {
    const items: Json[] = [];
    const asOf = new Set<string | null>();
    let cursor: string | null = null;
    do {
      const separator = path.includes('?') ? '&' : '?';
      const page = await gateway.request(
        cursor ? `${path}${separator}cursor=${encodeURIComponent(cursor)}` : path,
      );
      const body = (await page.json()) as Json;
      expect(page.status, `${path}: ${JSON.stringify(body)}`).toBe(200);
      asOf.add(page.headers.get('x-roster-data-as-of'));
      items.push(...body.result);
      cursor = body.next_cursor;
    } while (cursor);
    return { items, asOf: [...asOf] };
  }

  it('answers 409 with a clear message while no pass has completed, and live answers meanwhile', async () => {
    const synced = await json(gateway, '/unified/hris/employees?source=synced');
    expect(synced.status).toBe(409);
    expect(synced.body.error.code).toBe('conflict');
    expect(synced.body.error.message).toMatch(/no sync pass has completed/);
    const live = await gateway.request('/unified/hris/employees?limit=1');
    expect(live.status).toBe(200);
    expect(live.headers.get('x-roster-data-as-of')).toBeNull();
    const balances = await json(gateway, '/unified/hris/timeoff-balances?source=synced');
    expect(balances.status).toBe(409);
    expect(balances.body.error.message).toMatch(/balances of this linked account are not ready/);

    // 2,000 employees: a first pass takes a while on a loaded machine.
    pass = await syncNow(gateway, acme, 240_000);
    expect(pass.status).toBe('completed');
    window = (await json(gateway, `/linked-accounts/${acme.linkedAccountId}/sync`)).body.result.window;
  }, 300_000);

  it('walks 20 random filter combinations identically live and synced (full JSON, same order)', async () => {
    const seed = 20_261_130;
    const random = prng(seed);
    const employees = (await walk('/unified/hris/employees?limit=200&source=synced')).items;
    expect(employees).toHaveLength(2000);
    const types = (await walk('/unified/hris/timeoff-types?source=synced')).items;
    expect(types.length).toBeGreaterThan(3);
    const windowStart = Date.parse(`${window.start_date}T00:00:00Z`);
    const windowEnd = Date.parse(`${window.end_date}T00:00:00Z`);
    const seedAnchor = Date.parse('2026-01-01T00:00:00Z');
    const limits = [7, 50, 113, 200];

    const queries: string[] = [];
    for (let index = 0; index < 8; index++) {
      const query = new URLSearchParams({ limit: String(random.pick(limits)) });
      if (random.chance(0.35)) {
        const email: string = random.pick(employees).work_email;
        query.set('email', random.chance(0.5) ? email.toUpperCase() : email);
      }
      if (random.chance(0.6)) {
        query.set('employment_status', random.subset(['active', 'pending', 'inactive', 'leave']).join(','));
      }
      if (random.chance(0.5)) {
        query.set('updated_after', new Date(seedAnchor + random.int(-900, 30) * DAY_MS).toISOString());
      }
      queries.push(`/unified/hris/employees?${query}`);
    }
    for (let index = 0; index < 12; index++) {
      const query = new URLSearchParams({ limit: String(random.pick(limits)) });
      // The copy holds the sync window: the live side must not reach before it (the sandbox has nothing after it).
      const start = random.int(windowStart / DAY_MS, Math.min(windowEnd, seedAnchor + 300 * DAY_MS) / DAY_MS);
      query.set('start_date', day(start * DAY_MS));
      if (random.chance(0.7)) query.set('end_date', day((start + random.int(0, 240)) * DAY_MS));
      if (random.chance(0.25)) query.set('employee_id', random.pick(employees).id);
      if (random.chance(0.5)) {
        query.set('status', random.subset(['requested', 'approved', 'declined', 'cancelled']).join(','));
      }
      if (random.chance(0.3)) query.set('timeoff_type_id', random.pick(types).id);
      if (random.chance(0.3)) {
        query.set('updated_after', new Date(seedAnchor + random.int(-400, 30) * DAY_MS).toISOString());
      }
      queries.push(`/unified/hris/timeoff-requests?${query}`);
    }

    let nonEmpty = 0;
    for (const path of queries) {
      const live = await walk(`${path}&source=live`);
      const synced = await walk(`${path}&source=synced`);
      expect(live.asOf, path).toEqual([null]);
      expect(synced.asOf, path).toEqual([pass.started_at]);
      expect(synced.items, `seed ${seed}: ${path}`).toEqual(live.items);
      if (live.items.length > 0) nonEmpty++;
    }
    // The combinations must exercise something: most of them select records.
    expect(nonEmpty).toBeGreaterThanOrEqual(10);
    // And the unfiltered lists agree too, hour-based absences after day-based ones.
    const allLive = await walk(`/unified/hris/timeoff-requests?limit=200&start_date=${window.start_date}`);
    const allSynced = await walk(
      `/unified/hris/timeoff-requests?limit=200&start_date=${window.start_date}&source=synced`,
    );
    expect(allSynced.items).toEqual(allLive.items);
    expect(allSynced.items.some((request: Json) => request.units === 'hours')).toBe(true);
    expect((await walk('/unified/hris/timeoff-types?limit=3')).items).toEqual(
      (await walk('/unified/hris/timeoff-types?limit=3&source=synced')).items,
    );
  }, 600_000);

  it('serves balances for all employees from the copy: the live records, in order, with used derived', async () => {
    // The first pass is followed by the first refresh of the balances (a call per employee).
    const refreshedAt = await waitFor(
      async () => {
        const status = await json(gateway, `/linked-accounts/${acme.linkedAccountId}/sync`);
        return status.body.result.balances_refreshed_at ?? undefined;
      },
      'the first balances refresh',
      300_000,
    );
    const live = await walk('/unified/hris/timeoff-balances?limit=200');
    const synced = await walk('/unified/hris/timeoff-balances?limit=200&source=synced');
    expect(live.items.length).toBeGreaterThan(2000);
    expect(synced.items.map((balance: Json) => ({ ...balance, used: null }))).toEqual(live.items);
    // Refreshed by the first pass: the copy is as of that refresh, which began after the pass.
    expect(synced.asOf).toEqual([refreshedAt]);
    expect(Date.parse(refreshedAt)).toBeGreaterThanOrEqual(Date.parse(pass.started_at));

    // used: the approved absences of the type that started this calendar year, up to today.
    const today = new Date().toISOString().slice(0, 10);
    const yearStart = `${today.slice(0, 4)}-01-01`;
    const requests = (
      await walk(
        `/unified/hris/timeoff-requests?limit=200&source=synced&status=approved&start_date=${window.start_date}`,
      )
    ).items;
    const expected = new Map<string, number>();
    for (const request of requests) {
      if (request.start_date < yearStart || request.start_date > today) continue;
      const key = `${request.employee.id}/${request.timeoff_type.id}`;
      expected.set(key, (expected.get(key) ?? 0) + request.amount);
    }
    expect(expected.size).toBeGreaterThan(100);
    for (const balance of synced.items) {
      const key = `${balance.employee.id}/${balance.timeoff_type.id}`;
      expect(balance.used, key).toBeCloseTo(expected.get(key) ?? 0, 6);
    }
    // One employee, and a page boundary inside an employee's balances.
    const one = await walk('/unified/hris/timeoff-balances?limit=1&employee_id=1003&source=synced');
    expect(one.items).toEqual(synced.items.filter((balance: Json) => balance.employee.id === '1003'));
    const small = await walk('/unified/hris/timeoff-balances?limit=7&source=synced');
    expect(small.items).toEqual(synced.items);
  }, 600_000);

  it('shows the copy as of the last pass: an update made since is not there until the next pass', async () => {
    const id = '1007';
    const before = await gateway.request(`/unified/hris/employees/${id}?source=synced`);
    const old = ((await before.json()) as Json).result;
    expect(before.headers.get('x-roster-data-as-of')).toBe(pass.started_at);
    await sandboxAction(gateway, acme, {
      action: 'update_employee',
      employee_id: id,
      job_title: 'Cartographer',
    });

    const live = await json(gateway, `/unified/hris/employees/${id}`);
    expect(live.body.result.job_title).toBe('Cartographer');
    const stale = await gateway.request(`/unified/hris/employees/${id}?source=synced`);
    expect(((await stale.json()) as Json).result).toEqual(old);
    // The header says how old the answer is: the start of the pass that wrote it.
    expect(stale.headers.get('x-roster-data-as-of')).toBe(pass.started_at);

    const next = await syncNow(gateway, acme);
    const fresh = await gateway.request(`/unified/hris/employees/${id}?source=synced`);
    expect(((await fresh.json()) as Json).result.job_title).toBe('Cartographer');
    expect(fresh.headers.get('x-roster-data-as-of')).toBe(next.started_at);
    expect(Date.parse(next.started_at)).toBeGreaterThan(Date.parse(pass.started_at));
    // Balances keep their own, daily schedule: this pass did not refresh them.
    const balances = await gateway.request('/unified/hris/timeoff-balances?limit=1&source=synced');
    expect(Date.parse(balances.headers.get('x-roster-data-as-of')!)).toBeLessThan(
      Date.parse(next.started_at),
    );
    pass = next;
  }, 300_000);

  it('delete_timeoff and a pass: include_deleted=true shows the tombstone, without it the absence is gone', async () => {
    const listed = await json(
      gateway,
      `/unified/hris/timeoff-requests?source=synced&employee_id=1012&start_date=${window.start_date}`,
    );
    const victim = listed.body.result[0];
    expect(victim).toBeDefined();
    await sandboxAction(gateway, acme, { action: 'delete_timeoff', timeoff_request_id: victim.id });
    const deletingPass = await syncNow(gateway, acme);
    expect(deletingPass.counts.deleted).toBeGreaterThanOrEqual(1);
    pass = deletingPass;

    const base = `/unified/hris/timeoff-requests?source=synced&employee_id=1012&start_date=${window.start_date}`;
    const without = await walk(base);
    expect(without.items.map((request: Json) => request.id)).not.toContain(victim.id);
    const withDeleted = await walk(`${base}&include_deleted=true`);
    const tombstone = withDeleted.items.find((request: Json) => request.id === victim.id);
    expect(tombstone).toEqual({ ...victim, remote_deleted_at: expect.any(String) });
    expect(Date.parse(tombstone.remote_deleted_at)).toBeGreaterThanOrEqual(
      Date.parse(deletingPass.started_at),
    );
    // Every other record carries remote_deleted_at null, and the set is the live one plus the tombstone.
    expect(withDeleted.items.filter((request: Json) => request.remote_deleted_at !== null)).toHaveLength(1);
    expect(withDeleted.items.length).toBe(without.items.length + 1);

    const single = await json(gateway, `/unified/hris/timeoff-requests/${victim.id}?source=synced`);
    expect(single.status).toBe(404);
    const singleDeleted = await json(
      gateway,
      `/unified/hris/timeoff-requests/${victim.id}?source=synced&include_deleted=true`,
    );
    expect(singleDeleted.status).toBe(200);
    expect(singleDeleted.body.result.remote_deleted_at).toBe(tombstone.remote_deleted_at);
  }, 300_000);

  it('never lets a walk switch source: a cursor of one source is refused by the other', async () => {
    const synced = await json(gateway, '/unified/hris/employees?limit=5&source=synced');
    const cursor = encodeURIComponent(synced.body.next_cursor);
    const asLive = await json(gateway, `/unified/hris/employees?limit=5&cursor=${cursor}`);
    expect(asLive.status).toBe(400);
    expect(asLive.body.error.details).toEqual([
      { field: 'cursor', message: expect.stringMatching(/synced read/) },
    ]);
    const live = await json(gateway, '/unified/hris/employees?limit=5');
    const asSynced = await json(
      gateway,
      `/unified/hris/employees?limit=5&source=synced&cursor=${encodeURIComponent(live.body.next_cursor)}`,
    );
    expect(asSynced.status).toBe(400);
    expect(asSynced.body.error.message).toMatch(/live read/);
  });

  it('follows the account default, and refuses what only one source can do', async () => {
    const patched = await json(gateway, `/linked-accounts/${acme.linkedAccountId}`, {
      method: 'PATCH',
      body: JSON.stringify({ settings: { default_source: 'synced' } }),
    });
    expect(patched.status).toBe(200);
    expect(patched.body.result.settings.default_source).toBe('synced');
    const byDefault = await gateway.request('/unified/hris/employees?limit=1');
    expect(byDefault.headers.get('x-roster-data-as-of')).toBe(pass.started_at);
    const explicit = await gateway.request('/unified/hris/employees?limit=1&source=live');
    expect(explicit.headers.get('x-roster-data-as-of')).toBeNull();

    const remoteData = await json(gateway, '/unified/hris/employees?include_remote_data=true');
    expect(remoteData.status).toBe(400);
    expect(remoteData.body.error.details[0].field).toBe('include_remote_data');
    const deletedLive = await json(gateway, '/unified/hris/employees?source=live&include_deleted=true');
    expect(deletedLive.status).toBe(400);
    expect(deletedLive.body.error.details[0].field).toBe('include_deleted');
    const early = await json(gateway, '/unified/hris/timeoff-requests?start_date=2001-01-01');
    expect(early.status).toBe(400);
    expect(early.body.error.message).toMatch(/outside the synced copy's window/);
    const badSource = await json(gateway, '/unified/hris/employees?source=cache');
    expect(badSource.status).toBe(400);

    await json(gateway, `/linked-accounts/${acme.linkedAccountId}`, {
      method: 'PATCH',
      body: JSON.stringify({ settings: { default_source: 'live' } }),
    });
  });

  it('applies the privacy setting to synced reads exactly as to live ones', async () => {
    await json(gateway, `/linked-accounts/${acme.linkedAccountId}`, {
      method: 'PATCH',
      body: JSON.stringify({ settings: { hide_absence_details: true } }),
    });
    const path = `/unified/hris/timeoff-requests?limit=200&employee_id=1020&start_date=${window.start_date}`;
    const live = await walk(path);
    const synced = await walk(`${path}&source=synced`);
    expect(synced.items).toEqual(live.items);
    expect(synced.items.length).toBeGreaterThan(0);
    expect(synced.items.every((request: Json) => request.timeoff_type === null)).toBe(true);
    const byType = await json(gateway, `${path}&source=synced&timeoff_type_id=301`);
    expect(byType.status).toBe(400);
    const balances = await json(gateway, '/unified/hris/timeoff-balances?source=synced');
    expect(balances.status).toBe(403);
    await json(gateway, `/linked-accounts/${acme.linkedAccountId}`, {
      method: 'PATCH',
      body: JSON.stringify({ settings: { hide_absence_details: false } }),
    });
  });

  it('presents synced records as live ones: avatar_url at the gateway, external_id on requests', async () => {
    const { publicUrl } = gateway.deps.config;
    const employees = (await walk('/unified/hris/employees?limit=200&source=synced')).items;
    const pictured = employees.filter((employee: Json) => employee.avatar_url !== null);
    expect(pictured.length).toBeGreaterThan(0);
    for (const employee of pictured) {
      expect(employee.avatar_url).toBe(`${publicUrl}/unified/hris/employees/${employee.id}/avatar`);
    }
    const one = pictured[0];
    const syncedOne = await json(gateway, `/unified/hris/employees/${one.id}?source=synced`);
    const liveOne = await json(gateway, `/unified/hris/employees/${one.id}`);
    expect(syncedOne.body.result).toEqual(liveOne.body.result);

    // A request created through the gateway with an external_id, then copied by a pass.
    const first = day(Date.parse(`${window.end_date}T00:00:00Z`) - 20 * DAY_MS);
    const created = await json(gateway, '/unified/hris/timeoff-requests', {
      method: 'POST',
      body: JSON.stringify({
        employee_id: '1031',
        timeoff_type_id: '301',
        start_date: first,
        end_date: first,
        external_id: 'synced-ext-1',
      }),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.result.id;
    pass = await syncNow(gateway, acme);

    const syncedGet = await json(gateway, `/unified/hris/timeoff-requests/${id}?source=synced`);
    expect(syncedGet.body.result.external_id).toBe('synced-ext-1');
    expect(syncedGet.body.result).toEqual(
      (await json(gateway, `/unified/hris/timeoff-requests/${id}`)).body.result,
    );
    const listPath = `/unified/hris/timeoff-requests?employee_id=1031&start_date=${first}&end_date=${first}`;
    const syncedList = await walk(`${listPath}&source=synced`);
    expect(syncedList.items).toEqual((await walk(listPath)).items);
    expect(syncedList.items.find((request: Json) => request.id === id)?.external_id).toBe('synced-ext-1');
    const byExternalId = await gateway.request(
      '/unified/hris/timeoff-requests?external_id=synced-ext-1&source=synced',
    );
    expect(byExternalId.headers.get('x-roster-data-as-of')).toBe(pass.started_at);
    expect(((await byExternalId.json()) as Json).result).toEqual([syncedGet.body.result]);
  }, 300_000);
});

describe('synced reads: field coverage (pglite)', () => {
  let storage: Storage;
  let gateway: TestGateway;
  let wide: TestGateway;
  let limited: Tenant;
  let acme: Tenant;

  beforeAll(async () => {
    storage = await openStorage('pglite');
    const sandbox = createPersonioSandbox({ employees: 120, seed: 5 });
    // Coverage changes made behind the gateway's back are seen at once.
    const options = { ...UNPACED, env: { ...UNPACED.env, AUTH_CACHE_TTL_MS: '0' }, builtInSandbox: true };
    const setup = await startGateway(storage, sandbox, undefined, options);
    limited = await createTenant(setup, SANDBOX_CREDENTIALS.limited, 'Initech', 'personio-sandbox');
    acme = await createTenant(setup, SANDBOX_CREDENTIALS.full, 'Acme', 'personio-sandbox');
    gateway = await startGateway(storage, sandbox, limited, options);
    wide = await startGateway(storage, sandbox, acme, options);
  }, 120_000);

  afterAll(async () => {
    if (gateway) (await createServices(gateway.deps)).jobs.close();
    await storage?.close();
  });

  it('a narrow credential reads the same nulls from the copy as live, and the same refusal', async () => {
    const pass = await syncNow(gateway, limited);
    const live = await gateway.request('/unified/hris/employees?limit=200');
    const synced = await gateway.request('/unified/hris/employees?limit=200&source=synced');
    expect(synced.headers.get('x-roster-data-as-of')).toBe(pass.started_at);
    const syncedEmployees = ((await synced.json()) as Json).result;
    expect(syncedEmployees).toEqual(((await live.json()) as Json).result);
    const coverage = (await json(gateway, `/linked-accounts/${limited.linkedAccountId}`)).body.result
      .field_coverage;
    expect(coverage.unavailable.length).toBeGreaterThan(0);
    for (const { field } of coverage.unavailable) {
      expect(syncedEmployees.every((employee: Json) => employee[field] === null)).toBe(true);
    }
    const liveStatus = await json(gateway, '/unified/hris/employees?employment_status=active');
    const syncedStatus = await json(
      gateway,
      '/unified/hris/employees?employment_status=active&source=synced',
    );
    expect({
      status: syncedStatus.status,
      body: syncedStatus.body.result ?? syncedStatus.body.error?.code,
    }).toEqual({
      status: liveStatus.status,
      body: liveStatus.body.result ?? liveStatus.body.error?.code,
    });
  }, 300_000);

  it('a field the credential can no longer read is null in the copy too, as it would be live', async () => {
    await syncNow(wide, acme);
    const before = await json(wide, '/unified/hris/employees/1003?source=synced');
    expect(before.body.result.job_title).not.toBeNull();
    // The customer narrows the whitelist and the account is checked again: job_title is no longer covered.
    const services = await createServices(wide.deps);
    const account = (await json(wide, `/linked-accounts/${acme.linkedAccountId}`)).body.result;
    await recordLinkedAccountCheck(services.db, {
      environmentId: acme.environmentId,
      id: acme.linkedAccountId,
      status: 'active',
      fieldCoverage: {
        ...account.field_coverage,
        available: account.field_coverage.available.filter((field: string) => field !== 'job_title'),
        unavailable: [
          ...account.field_coverage.unavailable,
          { field: 'job_title', personio_attributes: ['position'] },
        ],
      },
      now: new Date(),
    });
    const after = await json(wide, '/unified/hris/employees/1003?source=synced');
    expect(after.body.result).toEqual({ ...before.body.result, job_title: null });
    const list = await json(wide, '/unified/hris/employees?limit=200&source=synced');
    expect(list.body.result.every((employee: Json) => employee.job_title === null)).toBe(true);
  }, 300_000);
});
