import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Employee } from '../../src/models/employee';
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

describe.each<Backend>(['pglite', 'postgres'])('unified employees over %s', (backend) => {
  let storage: Storage;
  let sandbox: PersonioSandbox;
  let gateway: TestGateway;
  let tenant: Tenant;

  beforeAll(async () => {
    storage = await openStorage(backend);
    sandbox = createPersonioSandbox({ employees: 1000, seed: 7 });
    const setup = await startGateway(storage, sandbox);
    tenant = await createTenant(setup);
    gateway = await startGateway(storage, sandbox, tenant);
  });

  afterAll(async () => {
    await storage?.close();
  });

  it.each([7, 200])('walks all 1,000 employees exactly once with limit=%i', async (limit) => {
    const { items, pages } = await walk<Employee>(gateway, `/unified/hris/employees?limit=${limit}`);
    const ids = items.map((employee) => employee.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(sandbox.employeeIds().map(String));
    expect(pages).toBe(Math.ceil(1000 / limit));
  });

  it('assembles a page of 200 from two upstream pages of 100', async () => {
    sandbox.resetStats();
    const response = await gateway.request('/unified/hris/employees?limit=200');
    const body = (await response.json()) as { result: Employee[]; next_cursor: string | null };
    expect(body.result).toHaveLength(200);
    expect(body.next_cursor).toEqual(expect.any(String));
    expect(sandbox.stats.byRoute['GET /v1/company/employees']).toBe(2);
  });

  it('filters by employment_status in the gateway without losing or repeating employees', async () => {
    const everyone = (await walk<Employee>(gateway, '/unified/hris/employees?limit=200')).items;
    const expected = everyone.filter((employee) =>
      ['inactive', 'leave'].includes(employee.employment_status ?? ''),
    );
    expect(expected.length).toBeGreaterThan(10);
    for (const limit of [3, 200]) {
      const { items } = await walk<Employee>(
        gateway,
        `/unified/hris/employees?limit=${limit}&employment_status=leave,inactive`,
      );
      expect(items.map((employee) => employee.id)).toEqual(expected.map((employee) => employee.id));
    }
  });

  it('filters by updated_after strictly after the instant', async () => {
    const everyone = (await walk<Employee>(gateway, '/unified/hris/employees?limit=200')).items;
    const sorted = everyone.map((employee) => employee.updated_at!).sort();
    const cut = sorted[Math.floor(sorted.length * 0.8)]!;
    const expected = everyone.filter((employee) => Date.parse(employee.updated_at!) > Date.parse(cut));
    const { items } = await walk<Employee>(
      gateway,
      `/unified/hris/employees?limit=50&updated_after=${encodeURIComponent(cut)}`,
    );
    expect(items.map((employee) => employee.id)).toEqual(expected.map((employee) => employee.id));
    expect(items.length).toBeGreaterThan(0);
  });

  it('finds an employee by email', async () => {
    const [first] = (await walk<Employee>(gateway, '/unified/hris/employees?limit=200')).items.slice(
      500,
      501,
    );
    const response = await gateway.request(
      `/unified/hris/employees?email=${encodeURIComponent(first!.work_email!)}`,
    );
    const body = (await response.json()) as { result: Employee[]; next_cursor: string | null };
    expect(body.result.map((employee) => employee.id)).toEqual([first!.id]);
    expect(body.next_cursor).toBeNull();
  });

  it('gets one employee, and 404 for an unknown id', async () => {
    const id = String(sandbox.employeeIds()[42]);
    const found = await gateway.request(`/unified/hris/employees/${id}?include_remote_data=true`);
    expect(found.status).toBe(200);
    const body = (await found.json()) as { result: Employee };
    expect(body.result.id).toBe(id);
    expect(body.result.remote_data).toMatchObject({ type: 'Employee' });

    for (const unknown of ['999999999', 'abc', '0']) {
      const missing = await gateway.request(`/unified/hris/employees/${unknown}`);
      expect(missing.status).toBe(404);
      expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('not_found');
    }
  });

  it('makes exactly one token exchange for 50 concurrent first requests, across two gateways', async () => {
    // A newly linked account has no cached token yet; two gateways over the same storage stand for two processes.
    const setup = await startGateway(storage, sandbox);
    const fresh = await createTenant(setup, undefined, 'Fresh');
    const first = await startGateway(storage, sandbox, fresh);
    const second = await startGateway(storage, sandbox, fresh);
    sandbox.resetStats();

    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        (index % 2 === 0 ? first : second).request('/unified/hris/employees?limit=1'),
      ),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(50).fill(200));
    expect(sandbox.stats.authCalls).toBe(1);
    expect(sandbox.stats.byRoute['GET /v1/company/employees']).toBe(50);
  });

  it('refreshes an expired token once and carries on with the walk', async () => {
    const first = await gateway.request('/unified/hris/employees?limit=100');
    const { next_cursor: cursor } = (await first.json()) as { next_cursor: string };
    sandbox.expireTokens();
    sandbox.resetStats();
    const second = await gateway.request(
      `/unified/hris/employees?limit=100&cursor=${encodeURIComponent(cursor)}`,
    );
    expect(second.status).toBe(200);
    expect(sandbox.stats.authCalls).toBe(1);
  });
});
