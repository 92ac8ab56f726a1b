import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TimeoffRequest } from '../../src/models/timeoff';
import type { PersonioSandbox } from '../../src/sandbox/personio';
import {
  type Backend,
  createPersonioSandbox,
  createTenant,
  openStorage,
  type Storage,
  startGateway,
  type Tenant,
  type TestGateway,
  walk,
} from '../support/gateway';
import { send, UNPACED } from '../support/timeoff';

const REQUESTS = '/unified/hris/timeoff-requests';
const POST_TIME_OFFS = 'POST /v1/company/time-offs';
const POST_PERIODS = 'POST /v1/company/absence-periods';

describe.each<Backend>(['pglite', 'postgres'])('writing time-off requests over %s', (backend) => {
  let storage: Storage;
  let sandbox: PersonioSandbox;
  let gateway: TestGateway;
  let tenant: Tenant;
  let employee: (index: number) => string;
  // Each test books its own far-future month, clear of the seeded absences and of other tests.
  let month = 0;
  const nextMonth = () => `2032-${String(++month).padStart(2, '0')}`;

  beforeAll(async () => {
    storage = await openStorage(backend);
    sandbox = createPersonioSandbox({ employees: 40, seed: 3 });
    const setup = await startGateway(storage, sandbox, undefined, UNPACED);
    tenant = await createTenant(setup);
    gateway = await startGateway(storage, sandbox, tenant, UNPACED);
    employee = (index) => String(sandbox.employeeIds()[index]);
  });

  afterAll(async () => {
    await storage?.close();
  });

  beforeEach(() => {
    sandbox.resetStats();
  });

  const post = (body: unknown, headers: Record<string, string> = {}, as = tenant) =>
    send(gateway, as, 'POST', REQUESTS, { body, headers });

  it('creates a day-based absence, lists it in an overlapping window, deletes it, and it is gone', async () => {
    const m = nextMonth();
    const created = await post({
      employee_id: employee(1),
      timeoff_type_id: '301',
      start_date: `${m}-01`,
      end_date: `${m}-05`,
      end_half_day: true,
      employee_note: 'Ski trip',
    });
    expect(created.status).toBe(201);
    expect(created.body.result).toMatchObject({
      employee: { id: employee(1) },
      timeoff_type: { id: '301', name: 'Paid vacation' },
      // skip_approval defaults to false and the type needs approval.
      status: 'requested',
      start_date: `${m}-01`,
      end_date: `${m}-05`,
      start_half_day: false,
      end_half_day: true,
      units: 'days',
      employee_note: 'Ski trip',
    });
    const id: string = created.body.result.id;
    expect(sandbox.stats.byRoute[POST_TIME_OFFS]).toBe(1);

    const window = `employee_id=${employee(1)}&start_date=${m}-03&end_date=${m}-03`;
    const listed = await walk<TimeoffRequest>(gateway, `${REQUESTS}?${window}`);
    expect(listed.items.map((item) => item.id)).toContain(id);
    expect((await send(gateway, tenant, 'GET', `${REQUESTS}/${id}`)).body.result).toEqual(
      created.body.result,
    );

    const deleted = await send(gateway, tenant, 'DELETE', `${REQUESTS}/${id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ result: { id, deleted: true } });
    expect((await send(gateway, tenant, 'GET', `${REQUESTS}/${id}`)).status).toBe(404);
    const after = await walk<TimeoffRequest>(gateway, `${REQUESTS}?${window}`);
    expect(after.items.map((item) => item.id)).not.toContain(id);
    const again = await send(gateway, tenant, 'DELETE', `${REQUESTS}/${id}`);
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('not_found');
  });

  it('creates an hour-based absence within one day from its times, and deletes it by UUID', async () => {
    const m = nextMonth();
    const created = await post({
      employee_id: Number(employee(2)),
      timeoff_type_id: 306,
      start_date: `${m}-06`,
      end_date: `${m}-06`,
      start_time: '09:30',
      end_time: '11:00',
    });
    expect(created.status).toBe(201);
    expect(created.body.result).toMatchObject({
      timeoff_type: { id: '306' },
      status: 'approved',
      start_date: `${m}-06`,
      end_date: `${m}-06`,
      start_time: '09:30',
      end_time: '11:00',
      timezone: 'Europe/Berlin',
      amount: 1.5,
      units: 'hours',
    });
    const id: string = created.body.result.id;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(sandbox.stats.byRoute[POST_PERIODS]).toBe(1);
    expect((await send(gateway, tenant, 'GET', `${REQUESTS}/${id}`)).body.result).toEqual(
      created.body.result,
    );
    expect((await send(gateway, tenant, 'DELETE', `${REQUESTS}/${id}`)).status).toBe(200);
    expect((await send(gateway, tenant, 'GET', `${REQUESTS}/${id}`)).status).toBe(404);
  });

  it('creates hour-based whole days with a half day, and an approved request with skip_approval', async () => {
    // Monday to Wednesday: 8 + 8 + 4 hours.
    const m = '2033-03';
    const days = await post({
      employee_id: employee(3),
      timeoff_type_id: '305',
      start_date: `${m}-07`,
      end_date: `${m}-09`,
      end_half_day: true,
    });
    expect(days.status).toBe(201);
    expect(days.body.result).toMatchObject({
      amount: 20,
      start_time: null,
      end_time: null,
      end_half_day: true,
    });

    const approved = await post({
      employee_id: employee(3),
      timeoff_type_id: '301',
      start_date: `${m}-14`,
      end_date: `${m}-14`,
      start_half_day: true,
      skip_approval: true,
    });
    expect(approved.body.result).toMatchObject({ status: 'approved', amount: 0.5 });
  });

  it('replays an Idempotency-Key with exactly one upstream POST; the same key with another body is 409', async () => {
    const m = nextMonth();
    const body = {
      employee_id: employee(4),
      timeoff_type_id: '301',
      start_date: `${m}-02`,
      end_date: `${m}-03`,
    };
    const headers = { 'idempotency-key': `replay-${backend}` };
    const first = await post(body, headers);
    // The same body with its keys in another order is the same request.
    const second = await post(Object.fromEntries(Object.entries(body).reverse()), headers);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(sandbox.stats.byRoute[POST_TIME_OFFS]).toBe(1);

    const other = await post({ ...body, end_date: `${m}-04` }, headers);
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('conflict');
    expect(other.body.error.details[0].field).toBe('Idempotency-Key');
    expect(sandbox.stats.byRoute[POST_TIME_OFFS]).toBe(1);

    const listed = await walk<TimeoffRequest>(
      gateway,
      `${REQUESTS}?employee_id=${employee(4)}&start_date=${m}-01&end_date=${m}-28`,
    );
    expect(listed.items.map((item) => item.id)).toEqual([first.body.result.id]);
  });

  it('lets only one of several concurrent duplicates write upstream', async () => {
    const m = nextMonth();
    const body = {
      employee_id: employee(5),
      timeoff_type_id: '302',
      start_date: `${m}-10`,
      end_date: `${m}-11`,
    };
    const headers = { 'idempotency-key': `concurrent-${backend}` };
    const replies = await Promise.all(Array.from({ length: 6 }, () => post(body, headers)));
    expect(sandbox.stats.byRoute[POST_TIME_OFFS]).toBe(1);
    const statuses = replies.map((reply) => reply.status);
    expect(statuses.every((status) => status === 201 || status === 409)).toBe(true);
    const succeeded = replies.filter((reply) => reply.status === 201);
    expect(succeeded.length).toBeGreaterThanOrEqual(1);
    expect(new Set(succeeded.map((reply) => reply.body.result.id)).size).toBe(1);
    for (const reply of replies.filter((candidate) => candidate.status === 409)) {
      expect(reply.body.error.message).toMatch(/in progress/);
    }
    // Once the first has finished, a retry is a replay.
    const retry = await post(body, headers);
    expect(retry.status).toBe(201);
    expect(retry.body.result.id).toBe(succeeded[0]!.body.result.id);
    expect(sandbox.stats.byRoute[POST_TIME_OFFS]).toBe(1);
  });

  it('frees the key when Personio refuses the write, so the client may retry', async () => {
    const m = nextMonth();
    const booked = {
      employee_id: employee(6),
      timeoff_type_id: '301',
      start_date: `${m}-05`,
      end_date: `${m}-08`,
    };
    expect((await post(booked)).status).toBe(201);
    const headers = { 'idempotency-key': `refused-${backend}` };
    const overlapping = { ...booked, start_date: `${m}-07`, end_date: `${m}-09` };
    const refused = await post(overlapping, headers);
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('unprocessable');
    const again = await post(overlapping, headers);
    expect(again.status).toBe(422);
    expect(sandbox.stats.byRoute[POST_TIME_OFFS]).toBe(3);
    const corrected = await post({ ...overlapping, start_date: `${m}-12`, end_date: `${m}-13` }, headers);
    expect(corrected.status).toBe(201);
  });

  it('scopes keys to the linked account', async () => {
    const m = nextMonth();
    const other = await createTenant(gateway, undefined, `Other-${backend}`);
    // Linking probes the credential's write access with an empty (refused) time-off create: not counted here.
    sandbox.resetStats();
    const headers = { 'idempotency-key': `shared-${backend}` };
    const body = {
      employee_id: employee(7),
      timeoff_type_id: '301',
      start_date: `${m}-02`,
      end_date: `${m}-02`,
    };
    expect((await post(body, headers)).status).toBe(201);
    const elsewhere = await post({ ...body, employee_id: employee(8) }, headers, other);
    expect(elsewhere.status).toBe(201);
    expect(elsewhere.headers.get('idempotent-replayed')).toBeNull();
    expect(sandbox.stats.byRoute[POST_TIME_OFFS]).toBe(2);
  });

  it('replays a DELETE with the same key instead of answering 404', async () => {
    const m = nextMonth();
    const created = await post({
      employee_id: employee(9),
      timeoff_type_id: '301',
      start_date: `${m}-02`,
      end_date: `${m}-02`,
    });
    const path = `${REQUESTS}/${created.body.result.id}`;
    const headers = { 'idempotency-key': `delete-${backend}` };
    const first = await send(gateway, tenant, 'DELETE', path, { headers });
    const second = await send(gateway, tenant, 'DELETE', path, { headers });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(sandbox.stats.byRoute['DELETE /v1/company/time-offs/:id']).toBe(1);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['an end before the start', { start_date: '2032-12-10', end_date: '2032-12-09' }, 'end_date'],
    ['a start time without an end time', { timeoff_type_id: '306', start_time: '09:00' }, 'end_time'],
    [
      'an end time before the start time',
      { timeoff_type_id: '306', start_time: '11:00', end_time: '10:00' },
      'end_time',
    ],
    ['half days on a type without them', { timeoff_type_id: '303', start_half_day: true }, 'start_half_day'],
    ['times on a day-based type', { start_time: '09:00', end_time: '12:00' }, 'start_time'],
    ['an hour-based day without times', { timeoff_type_id: '306' }, 'start_time'],
    [
      'times over several days',
      { timeoff_type_id: '305', end_date: '2032-12-11', start_time: '09:00', end_time: '12:00' },
      'start_time',
    ],
    [
      'half days within one hour-based day',
      { timeoff_type_id: '306', start_time: '09:00', end_time: '10:00', end_half_day: true },
      'end_half_day',
    ],
    ['an unknown time-off type', { timeoff_type_id: '999' }, 'timeoff_type_id'],
    ['an employee id that is not a Personio id', { employee_id: 'abc' }, 'employee_id'],
    ['an unknown employee', { employee_id: '999999' }, 'employee_id'],
    ['a malformed date', { start_date: '2032-02-30' }, 'start_date'],
  ])('refuses %s with 400 naming the field', async (_name, change, field) => {
    const body = {
      employee_id: employee(10),
      timeoff_type_id: '301',
      start_date: '2032-12-10',
      end_date: '2032-12-10',
      ...change,
    };
    const reply = await post(body);
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe('invalid_request');
    expect(reply.body.error.details.map((detail: { field: string }) => detail.field)).toContain(field);
    // Only Personio can say an employee does not exist; everything else is refused before writing.
    const posted = (sandbox.stats.byRoute[POST_TIME_OFFS] ?? 0) + (sandbox.stats.byRoute[POST_PERIODS] ?? 0);
    expect(posted).toBe(field === 'employee_id' && body.employee_id === '999999' ? 1 : 0);
  });

  it('refuses unknown body fields and a malformed Idempotency-Key', async () => {
    const body = {
      employee_id: employee(10),
      timeoff_type_id: '301',
      start_date: '2032-12-10',
      end_date: '2032-12-10',
    };
    const unknown = await post({ ...body, note: 'typo' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain('note');
    const badKey = await post(body, { 'idempotency-key': 'has space' });
    expect(badKey.status).toBe(400);
    expect(badKey.body.error.details[0].field).toBe('idempotency-key');
  });

  it('hides the type, the note and remote_data while the linked account hides absence details', async () => {
    const m = nextMonth();
    const created = await post({
      employee_id: employee(11),
      timeoff_type_id: '302',
      start_date: `${m}-03`,
      end_date: `${m}-04`,
      employee_note: 'Flu',
    });
    const id: string = created.body.result.id;
    // On and off through the linked-accounts API.
    const hide = await gateway.app.request(`/linked-accounts/${tenant.linkedAccountId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ settings: { hide_absence_details: true } }),
    });
    expect(hide.status).toBe(200);
    try {
      const one = await send(gateway, tenant, 'GET', `${REQUESTS}/${id}?include_remote_data=true`);
      expect(one.body.result).toMatchObject({
        id,
        timeoff_type: null,
        employee_note: null,
        remote_data: null,
      });
      expect(one.body.result.status).toBe('approved');

      const { items } = await walk<TimeoffRequest>(gateway, `${REQUESTS}?limit=200&include_remote_data=true`);
      expect(items.length).toBeGreaterThan(50);
      for (const item of items) {
        expect(item.timeoff_type).toBeNull();
        expect(item.employee_note).toBeNull();
        expect(item.remote_data).toBeNull();
      }

      const byType = await send(gateway, tenant, 'GET', `${REQUESTS}?timeoff_type_id=302`);
      expect(byType.status).toBe(400);
      expect(byType.body.error.details[0].field).toBe('timeoff_type_id');

      const written = await post({
        employee_id: employee(11),
        timeoff_type_id: '302',
        start_date: `${m}-10`,
        end_date: `${m}-10`,
        employee_note: 'Migraine',
      });
      expect(written.body.result).toMatchObject({ timeoff_type: null, employee_note: null });
    } finally {
      await gateway.app.request(`/linked-accounts/${tenant.linkedAccountId}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ settings: { hide_absence_details: false } }),
      });
    }
    const visible = await send(gateway, tenant, 'GET', `${REQUESTS}/${id}`);
    expect(visible.body.result).toMatchObject({ timeoff_type: { id: '302' }, employee_note: 'Flu' });
  });
});

describe('retrying an upstream write', () => {
  let storage: Storage;
  let sandbox: PersonioSandbox;
  let gateway: TestGateway;
  let tenant: Tenant;
  /** Answers the next POST with 503 without passing it on, as a Personio that failed before writing. */
  let failNextPost = false;
  let postsSeen = 0;

  beforeAll(async () => {
    storage = await openStorage('pglite');
    sandbox = createPersonioSandbox({ employees: 20, seed: 4 });
    const fetch = async (request: Request) => {
      if (request.method === 'POST' && new URL(request.url).pathname.endsWith('/company/time-offs')) {
        postsSeen++;
        if (failNextPost) {
          failNextPost = false;
          return Response.json(
            { success: false, error: { code: 503, message: 'Unavailable' } },
            { status: 503 },
          );
        }
      }
      return sandbox.fetch(request);
    };
    const setup = await startGateway(storage, sandbox, undefined, { ...UNPACED, fetch });
    tenant = await createTenant(setup);
    gateway = await startGateway(storage, sandbox, tenant, { ...UNPACED, fetch });
  });

  afterAll(async () => {
    await storage?.close();
  });

  const body = (day: string) => ({
    employee_id: String(sandbox.employeeIds()[1]),
    timeoff_type_id: '301',
    start_date: day,
    end_date: day,
  });

  it('does not re-send a write without an Idempotency-Key (Personio might have performed it)', async () => {
    postsSeen = 0;
    failNextPost = true;
    const reply = await send(gateway, tenant, 'POST', REQUESTS, { body: body('2033-05-02') });
    expect(reply.status).toBe(503);
    expect(reply.body.error.code).toBe('provider_unavailable');
    expect(postsSeen).toBe(1);
  });

  it('re-sends it when the caller made it idempotent with a key', async () => {
    postsSeen = 0;
    failNextPost = true;
    const reply = await send(gateway, tenant, 'POST', REQUESTS, {
      body: body('2033-05-03'),
      headers: { 'idempotency-key': 'retried-write' },
    });
    expect(reply.status).toBe(201);
    expect(postsSeen).toBe(2);
  });
});
