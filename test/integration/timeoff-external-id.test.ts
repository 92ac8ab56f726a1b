import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
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
} from '../support/gateway';
import { sandboxAbsences, send, UNPACED } from '../support/timeoff';

const REQUESTS = '/unified/hris/timeoff-requests';
const POST_TIME_OFFS = 'POST /v1/company/time-offs';

describe.each<Backend>(['pglite', 'postgres'])('time-off external ids over %s', (backend) => {
  let storage: Storage;
  let sandbox: PersonioSandbox;
  let gateway: TestGateway;
  let tenant: Tenant;
  let employee: (index: number) => string;
  /** The gateway's clock; tests move it forward to outlive idempotency keys. */
  let clock = Date.parse('2026-11-30T09:00:00Z');
  let month = 0;
  const nextMonth = () => `2033-${String(++month).padStart(2, '0')}`;

  beforeAll(async () => {
    storage = await openStorage(backend);
    sandbox = createPersonioSandbox({ employees: 30, seed: 8 });
    const options = { ...UNPACED, now: () => new Date(clock) };
    const setup = await startGateway(storage, sandbox, undefined, options);
    tenant = await createTenant(setup);
    gateway = await startGateway(storage, sandbox, tenant, options);
    employee = (index) => String(sandbox.employeeIds()[index]);
  });

  afterAll(async () => {
    await storage?.close();
  });

  beforeEach(() => {
    sandbox.resetStats();
  });

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    send(gateway, tenant, 'POST', REQUESTS, { body, headers });
  const absencesOf = async (employeeId: string, m: string) =>
    (await sandboxAbsences(sandbox)).filter(
      (absence) => absence.employeeId === employeeId && absence.firstDay.startsWith(m),
    );

  it('returns the existing request for a known external_id, on reads and as a filter', async () => {
    const m = nextMonth();
    const body = {
      employee_id: employee(1),
      timeoff_type_id: '301',
      start_date: `${m}-03`,
      end_date: `${m}-04`,
      external_id: `ext-${backend}-1`,
    };
    const first = await post(body);
    expect(first.status).toBe(201);
    expect(first.body.result.external_id).toBe(`ext-${backend}-1`);
    // Another body with the same external_id is still the same absence: the id decides.
    const second = await post({ ...body, end_date: `${m}-05` });
    expect(second.status).toBe(200);
    expect(second.body.result.id).toBe(first.body.result.id);
    expect(sandbox.stats.byRoute[POST_TIME_OFFS]).toBe(1);

    const read = await send(gateway, tenant, 'GET', `${REQUESTS}/${first.body.result.id}`);
    expect(read.body.result.external_id).toBe(`ext-${backend}-1`);
    const filtered = await send(gateway, tenant, 'GET', `${REQUESTS}?external_id=ext-${backend}-1`);
    expect(filtered.body.result.map((request: { id: string }) => request.id)).toEqual([first.body.result.id]);
    expect(filtered.body.next_cursor).toBeNull();
    const otherFilters = await send(
      gateway,
      tenant,
      'GET',
      `${REQUESTS}?external_id=ext-${backend}-1&status=approved`,
    );
    expect(otherFilters.body.result).toEqual([]);
    const windowed = await send(
      gateway,
      tenant,
      'GET',
      `${REQUESTS}?employee_id=${employee(1)}&start_date=${m}-01&end_date=${m}-28`,
    );
    expect(windowed.body.result).toEqual([
      expect.objectContaining({ id: first.body.result.id, external_id: `ext-${backend}-1` }),
    ]);
    const unknown = await send(gateway, tenant, 'GET', `${REQUESTS}?external_id=never-used`);
    expect(unknown.body.result).toEqual([]);
  });

  it('makes exactly one absence of 50 concurrent creates with one external_id, and returns it a day later', async () => {
    const m = nextMonth();
    const body = {
      employee_id: employee(2),
      timeoff_type_id: '301',
      start_date: `${m}-10`,
      end_date: `${m}-12`,
      external_id: `ext-${backend}-burst`,
    };
    const replies = await Promise.all(Array.from({ length: 50 }, () => post(body)));
    const ids = new Set(replies.map((reply) => reply.body.result?.id));
    expect(replies.map((reply) => reply.status).filter((status) => status !== 200 && status !== 201)).toEqual(
      [],
    );
    expect(replies.filter((reply) => reply.status === 201)).toHaveLength(1);
    expect(ids.size).toBe(1);
    expect(sandbox.stats.byRoute[POST_TIME_OFFS]).toBe(1);
    expect(await absencesOf(employee(2), m)).toHaveLength(1);

    const headers = { 'idempotency-key': `burst-${backend}` };
    expect((await post(body, headers)).status).toBe(200);
    // A day and an hour later the idempotency key is forgotten, the external_id is not.
    clock += 25 * 3_600_000;
    const later = await post(body, headers);
    expect(later.status).toBe(200);
    expect(later.headers.get('idempotent-replayed')).toBeNull();
    expect(later.body.result.id).toBe([...ids][0]);
    expect(sandbox.stats.byRoute[POST_TIME_OFFS]).toBe(1);
    expect(await absencesOf(employee(2), m)).toHaveLength(1);
  });

  it('frees an external_id once its absence is deleted, through the gateway or in Personio', async () => {
    const m = nextMonth();
    const body = {
      employee_id: employee(3),
      timeoff_type_id: '301',
      start_date: `${m}-03`,
      end_date: `${m}-03`,
      external_id: `ext-${backend}-reuse`,
    };
    const first = await post(body);
    expect((await send(gateway, tenant, 'DELETE', `${REQUESTS}/${first.body.result.id}`)).status).toBe(200);
    const second = await post(body);
    expect(second.status).toBe(201);
    expect(second.body.result.id).not.toBe(first.body.result.id);
    // HR deletes it in Personio: the gateway learns it on the next create with the id.
    expect(sandbox.changes.deleteAbsence(second.body.result.id)).toBe(true);
    const third = await post(body);
    expect(third.status).toBe(201);
    expect(third.body.result.id).not.toBe(second.body.result.id);
    expect(third.body.result.external_id).toBe(`ext-${backend}-reuse`);
  });

  it('tells a duplicate of its own absence (409 with its id) from an overlap with another (422, in days)', async () => {
    const m = nextMonth();
    const ours = await post({
      employee_id: employee(4),
      timeoff_type_id: '301',
      start_date: `${m}-05`,
      end_date: `${m}-08`,
      external_id: `ext-${backend}-ours`,
    });
    expect(ours.status).toBe(201);
    const duplicate = await post({
      employee_id: employee(4),
      timeoff_type_id: '301',
      start_date: `${m}-05`,
      end_date: `${m}-08`,
      external_id: `ext-${backend}-retyped`,
    });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error.code).toBe('conflict');
    expect(duplicate.body.error.details).toMatchObject({
      existing_id: ours.body.result.id,
      external_id: `ext-${backend}-ours`,
    });

    // Someone else's absence (created without an external_id, as HR would in Personio).
    const theirs = await post({
      employee_id: employee(5),
      timeoff_type_id: '301',
      start_date: `${m}-05`,
      end_date: `${m}-08`,
    });
    expect(theirs.status).toBe(201);
    const overlap = await post({
      employee_id: employee(5),
      timeoff_type_id: '301',
      start_date: `${m}-07`,
      end_date: `${m}-09`,
      external_id: `ext-${backend}-overlap`,
    });
    expect(overlap.status).toBe(422);
    expect(overlap.body.error.code).toBe('unprocessable');
    expect(overlap.body.error.message).toContain(`from ${m}-05 to ${m}-08`);
    expect(overlap.body.error.message).not.toMatch(/absence period/);
    expect(overlap.body.error.details.overlapping_ids).toEqual([theirs.body.result.id]);
    // The refused create left its external_id free.
    const retried = await post({
      employee_id: employee(5),
      timeoff_type_id: '301',
      start_date: `${m}-12`,
      end_date: `${m}-12`,
      external_id: `ext-${backend}-overlap`,
    });
    expect(retried.status).toBe(201);
  });

  it('words an hour-based overlap in hours', async () => {
    const m = nextMonth();
    const body = {
      employee_id: employee(6),
      timeoff_type_id: '306',
      start_date: `${m}-06`,
      end_date: `${m}-06`,
      start_time: '09:00',
      end_time: '11:00',
    };
    expect((await post(body)).status).toBe(201);
    const overlap = await post({ ...body, start_time: '10:00', end_time: '12:00' });
    expect(overlap.status).toBe(422);
    expect(overlap.body.error.message).toContain(`on ${m}-06, 09:00–11:00`);
  });
});
