import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PersonioSandbox } from '../../src/sandbox/personio';
import { json, syncNow } from '../support/change-feed';
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
import { send, UNPACED } from '../support/timeoff';

const EMPLOYEES = '/unified/hris/employees';
const POST_EMPLOYEES = 'POST /v1/company/employees';
const PATCH_EMPLOYEE = 'PATCH /v1/company/employees/:employee_id';

describe.each<Backend>(['pglite', 'postgres'])('writing employees over %s', (backend) => {
  let storage: Storage;
  let sandbox: PersonioSandbox;
  let gateway: TestGateway;
  let tenant: Tenant;
  let serial = 0;
  const email = () => `new.hire.${backend}.${++serial}@example.org`;

  beforeAll(async () => {
    storage = await openStorage(backend);
    sandbox = createPersonioSandbox({ employees: 30, seed: 5 });
    const setup = await startGateway(storage, sandbox, undefined, UNPACED);
    tenant = await createTenant(setup);
    gateway = await startGateway(storage, sandbox, tenant, UNPACED);
  });

  afterAll(async () => {
    await storage?.close();
  });

  beforeEach(() => {
    sandbox.resetStats();
  });

  const call = (method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown, key?: string) =>
    send(gateway, tenant, method, path, { body, headers: key ? { 'idempotency-key': key } : {} });

  it('creates an employee, reads it, changes it, and reads the change', async () => {
    const manager = String(sandbox.employeeIds()[0]);
    const address = email();
    const created = await call('POST', EMPLOYEES, {
      work_email: address,
      first_name: 'Ada',
      last_name: 'Lovelace',
      gender: 'female',
      job_title: 'Analyst',
      department_name: 'Engineering',
      work_location_name: 'Berlin',
      hire_date: '2020-03-01',
      weekly_working_hours: 32,
      manager_id: manager,
      custom_fields: { 'Shirt size': 'M', dynamic_1003: 'Charles, +44 20 0000' },
    });
    expect(created.status).toBe(201);
    expect(created.body.warnings).toEqual([]);
    const id: string = created.body.result.id;
    expect(created.body.result).toMatchObject({
      first_name: 'Ada',
      last_name: 'Lovelace',
      display_name: 'Ada Lovelace',
      work_email: address,
      gender: 'female',
      job_title: 'Analyst',
      department: { name: 'Engineering' },
      work_location: { name: 'Berlin' },
      legal_entity: { name: 'Example Company GmbH' },
      hire_date: '2020-03-01',
      // Personio derives the status from a past hire date.
      employment_status: 'active',
      weekly_working_hours: 32,
      manager: { id: manager },
      custom_fields: { dynamic_1001: 'M', dynamic_1003: 'Charles, +44 20 0000' },
    });
    expect(sandbox.stats.byRoute[POST_EMPLOYEES]).toBe(1);
    const read = await call('GET', `${EMPLOYEES}/${id}`);
    expect(read.status).toBe(200);
    expect(read.body.result).toEqual(created.body.result);

    const patched = await call('PATCH', `${EMPLOYEES}/${id}`, {
      job_title: 'Lead Analyst',
      preferred_name: 'Countess',
      employment_status: 'leave',
      manager_id: null,
      custom_fields: { dynamic_1001: 'L' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.result).toMatchObject({
      id,
      job_title: 'Lead Analyst',
      display_name: 'Countess',
      employment_status: 'leave',
      manager: null,
      custom_fields: { dynamic_1001: 'L' },
      work_email: address,
      first_name: 'Ada',
    });
    expect(sandbox.stats.byRoute[PATCH_EMPLOYEE]).toBe(1);
    const reread = await call('GET', `${EMPLOYEES}/${id}`);
    expect(reread.body.result).toEqual(patched.body.result);
    // The change shows where a sync pass looks for changes: Personio's `updated_since` list.
    const since = new Date(Date.parse(patched.body.result.updated_at) - 1000).toISOString();
    const changed = await call('GET', `${EMPLOYEES}?updated_after=${encodeURIComponent(since)}`);
    expect(changed.body.result.map((employee: { id: string }) => employee.id)).toContain(id);
  });

  it('replays a create and an update by Idempotency-Key with one upstream write each', async () => {
    const body = { work_email: email(), first_name: 'Grace', last_name: 'Hopper' };
    const first = await call('POST', EMPLOYEES, body, `create-${backend}`);
    const second = await call('POST', EMPLOYEES, body, `create-${backend}`);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(sandbox.stats.byRoute[POST_EMPLOYEES]).toBe(1);
    const other = await call('POST', EMPLOYEES, { ...body, first_name: 'Amazing' }, `create-${backend}`);
    expect(other.status).toBe(409);
    expect(other.body.error.details[0].field).toBe('Idempotency-Key');

    const path = `${EMPLOYEES}/${first.body.result.id}`;
    const concurrent = await Promise.all(
      Array.from({ length: 5 }, () =>
        call('PATCH', path, { job_title: 'Rear Admiral' }, `update-${backend}`),
      ),
    );
    expect(concurrent.every((reply) => reply.status === 200 || reply.status === 409)).toBe(true);
    const replay = await call('PATCH', path, { job_title: 'Rear Admiral' }, `update-${backend}`);
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.result.job_title).toBe('Rear Admiral');
    expect(sandbox.stats.byRoute[PATCH_EMPLOYEE]).toBe(1);
    expect(sandbox.stats.byRoute[POST_EMPLOYEES]).toBe(1);
  });

  it.each<[string, 'POST' | 'PATCH', Record<string, unknown>, string]>([
    ['a missing email', 'POST', { work_email: undefined }, 'work_email'],
    ['a malformed email', 'POST', { work_email: 'not-an-address' }, 'work_email'],
    ['a missing last name', 'POST', { last_name: undefined }, 'last_name'],
    ['an unknown gender', 'POST', { gender: 'robot' }, 'gender'],
    ['an impossible hire date', 'POST', { hire_date: '2021-02-30' }, 'hire_date'],
    ['weekly hours beyond a week', 'POST', { weekly_working_hours: 200 }, 'weekly_working_hours'],
    ['a manager id that is not a Personio id', 'POST', { manager_id: 'boss' }, 'manager_id'],
    ['an unknown status', 'PATCH', { employment_status: 'retired' }, 'employment_status'],
    [
      'an unknown custom field label',
      'PATCH',
      { custom_fields: { 'Favourite colour': 'blue' } },
      'custom_fields.Favourite colour',
    ],
    ['a changed email', 'PATCH', { work_email: 'other@example.org' }, 'work_email'],
    ['a typo in a field name', 'PATCH', { jobtitle: 'Typo' }, 'jobtitle'],
    ['the employee as their own manager', 'PATCH', { manager_id: 'SELF' }, 'manager_id'],
  ])('refuses %s with 400 naming the field, writing nothing', async (_name, method, change, field) => {
    const self = String(sandbox.employeeIds()[3]);
    const body: Record<string, unknown> =
      method === 'POST'
        ? { work_email: email(), first_name: 'Bad', last_name: 'Input', ...change }
        : { ...change };
    if (body.manager_id === 'SELF') body.manager_id = self;
    const reply = await call(method, method === 'POST' ? EMPLOYEES : `${EMPLOYEES}/${self}`, body);
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe('invalid_request');
    expect(reply.body.error.message).toContain(field.split('.')[0]);
    expect(reply.body.error.details.map((detail: { field: string }) => detail.field)).toContain(field);
    expect(sandbox.stats.byRoute[POST_EMPLOYEES] ?? 0).toBe(0);
    expect(sandbox.stats.byRoute[PATCH_EMPLOYEE] ?? 0).toBe(0);
  });

  it("answers Personio's refusals with 422 and its reason, an unknown employee with 404", async () => {
    const taken = await call('GET', `${EMPLOYEES}/${sandbox.employeeIds()[2]}`);
    const duplicate = await call(
      'POST',
      EMPLOYEES,
      { work_email: taken.body.result.work_email, first_name: 'Twin', last_name: 'Entry' },
      `duplicate-${backend}`,
    );
    expect(duplicate.status).toBe(422);
    expect(duplicate.body.error.code).toBe('unprocessable');
    expect(duplicate.body.error.message).toContain('already exists');
    expect(duplicate.body.error.details.upstream_status).toBe(422);

    const unknownManager = await call('PATCH', `${EMPLOYEES}/${sandbox.employeeIds()[2]}`, {
      manager_id: '999999',
    });
    expect(unknownManager.status).toBe(422);
    expect(unknownManager.body.error.message).toContain('Supervisor with ID 999999 not found');

    const missing = await call('PATCH', `${EMPLOYEES}/999999`, { job_title: 'Ghost' });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
  });

  it('passes on what Personio ignored as warnings', async () => {
    const created = await call('POST', EMPLOYEES, {
      work_email: email(),
      first_name: 'Alan',
      last_name: 'Turing',
      department_name: 'Codebreaking',
    });
    expect(created.status).toBe(201);
    expect(created.body.warnings).toEqual(['The department "Codebreaking" does not exist and was ignored.']);
    expect(created.body.result.department).not.toBeNull();
  });
});

describe('a create whose answer is lost', () => {
  let storage: Storage;
  let sandbox: PersonioSandbox;
  let gateway: TestGateway;
  let tenant: Tenant;
  let loseNextAnswer = false;
  let postsSeen = 0;

  beforeAll(async () => {
    storage = await openStorage('pglite');
    sandbox = createPersonioSandbox({ employees: 20, seed: 6 });
    // Personio creates the employee, but the gateway gets a 504 instead of the answer.
    const fetch = async (request: Request) => {
      const response = await sandbox.fetch(request);
      if (request.method === 'POST' && new URL(request.url).pathname.endsWith('/company/employees')) {
        postsSeen++;
        if (loseNextAnswer) {
          loseNextAnswer = false;
          return Response.json(
            { success: false, error: { code: 504, message: 'Gateway Timeout' } },
            { status: 504 },
          );
        }
      }
      return response;
    };
    const setup = await startGateway(storage, sandbox, undefined, { ...UNPACED, fetch });
    tenant = await createTenant(setup);
    gateway = await startGateway(storage, sandbox, tenant, { ...UNPACED, fetch });
  });

  afterAll(async () => {
    await storage?.close();
  });

  it('finds the employee it created by email instead of creating it again, when the caller sent a key', async () => {
    loseNextAnswer = true;
    postsSeen = 0;
    const body = { work_email: 'lost.answer@example.org', first_name: 'Lost', last_name: 'Answer' };
    const reply = await send(gateway, tenant, 'POST', EMPLOYEES, {
      body,
      headers: { 'idempotency-key': 'lost-answer' },
    });
    expect(reply.status).toBe(201);
    expect(reply.body.result.work_email).toBe('lost.answer@example.org');
    expect(postsSeen).toBe(1);
  });

  it('reports the unknown outcome without a key, and does not send again', async () => {
    loseNextAnswer = true;
    postsSeen = 0;
    const reply = await send(gateway, tenant, 'POST', EMPLOYEES, {
      body: { work_email: 'unkeyed@example.org', first_name: 'No', last_name: 'Key' },
    });
    expect(reply.status).toBe(504);
    expect(reply.body.error.code).toBe('provider_timeout');
    expect(postsSeen).toBe(1);
  });
});

describe('employee writes in the change feed', () => {
  let storage: Storage;
  let sandbox: PersonioSandbox;
  let gateway: TestGateway;
  let tenant: Tenant;

  beforeAll(async () => {
    storage = await openStorage('postgres');
    sandbox = createPersonioSandbox({ employees: 20, seed: 7 });
    const setup = await startGateway(storage, sandbox, undefined, UNPACED);
    tenant = await createTenant(setup);
    gateway = await startGateway(storage, sandbox, tenant, UNPACED);
  });

  afterAll(async () => {
    await storage?.close();
  });

  it('a create and an update through the API become employee.created, .hired and .updated', async () => {
    await syncNow(gateway, tenant);
    const created = await send(gateway, tenant, 'POST', EMPLOYEES, {
      body: {
        work_email: 'feed.hire@example.org',
        first_name: 'Feed',
        last_name: 'Hire',
        hire_date: '2024-01-02',
      },
    });
    const changedId = String(sandbox.employeeIds()[4]);
    const patched = await send(gateway, tenant, 'PATCH', `${EMPLOYEES}/${changedId}`, {
      body: { job_title: 'Feed Editor' },
    });
    expect([created.status, patched.status]).toEqual([201, 200]);
    const pass = await syncNow(gateway, tenant);
    expect(pass.initial).toBe(false);
    const events = await json(gateway, '/events?type=employee.*&limit=200');
    const seen = events.body.result.map((event: { type: string; data: { object: { id: string } } }) => [
      event.type,
      event.data.object.id,
    ]);
    expect(seen).toEqual([
      ['employee.updated', changedId],
      ['employee.created', created.body.result.id],
      ['employee.hired', created.body.result.id],
    ]);
  });
});
