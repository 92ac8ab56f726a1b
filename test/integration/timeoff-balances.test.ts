import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TimeoffBalance } from '../../src/models/timeoff';
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

const TYPES: Record<number, { name: string; units: 'days' | 'hours' }> = {
  301: { name: 'Paid vacation', units: 'days' },
  307: { name: 'Overtime compensation', units: 'hours' },
  308: { name: 'Education leave', units: 'days' },
};

/** What the simulator seeded, in the unified shape, employee by employee in list order. */
function seeded(sandbox: PersonioSandbox, employeeIds: number[]): TimeoffBalance[] {
  return employeeIds.flatMap((employeeId) =>
    sandbox.seededBalances(employeeId).map((balance) => ({
      employee: { id: String(employeeId) },
      timeoff_type: { id: String(balance.typeId), name: TYPES[balance.typeId]!.name },
      balance: balance.balance,
      available_balance: balance.availableBalance,
      used: null,
      units: TYPES[balance.typeId]!.units,
    })),
  );
}

describe.each<Backend>(['pglite', 'postgres'])('unified time-off balances over %s', (backend) => {
  let storage: Storage;
  let sandbox: PersonioSandbox;
  let gateway: TestGateway;
  let tenant: Tenant;

  beforeAll(async () => {
    storage = await openStorage(backend);
    // More than one upstream employee page (100), so the walk crosses it.
    sandbox = createPersonioSandbox({ employees: 130, seed: 9 });
    const setup = await startGateway(storage, sandbox, undefined, UNPACED);
    tenant = await createTenant(setup);
    gateway = await startGateway(storage, sandbox, tenant, UNPACED);
  });

  afterAll(async () => {
    await storage?.close();
  });

  it.each([7, 200])(
    'walks every employee’s balances, equal to the seeded values (limit=%i)',
    async (limit) => {
      const { items } = await walk<TimeoffBalance>(gateway, `/unified/hris/timeoff-balances?limit=${limit}`);
      const expected = seeded(sandbox, sandbox.employeeIds());
      expect(expected.length).toBe(130 * 3);
      expect(items).toEqual(expected);
    },
  );

  it('returns one employee’s balances with employee_id, and none for an unknown employee', async () => {
    const employeeId = sandbox.employeeIds()[42]!;
    const { items } = await walk<TimeoffBalance>(
      gateway,
      `/unified/hris/timeoff-balances?employee_id=${employeeId}&limit=2`,
    );
    expect(items).toEqual(seeded(sandbox, [employeeId]));
    for (const unknown of ['999999', 'abc']) {
      const reply = await send(
        gateway,
        tenant,
        'GET',
        `/unified/hris/timeoff-balances?employee_id=${unknown}`,
      );
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({ result: [], next_cursor: null });
    }
  });

  it('asks Personio only for the balances a page needs, a few at a time', async () => {
    sandbox.resetStats();
    const reply = await send(gateway, tenant, 'GET', '/unified/hris/timeoff-balances?limit=6');
    expect(reply.body.result).toHaveLength(6);
    const balanceCalls = sandbox.stats.byRoute['GET /v1/company/employees/:employee_id/absences/balance'];
    // Two employees fill the page; the first batch of concurrent requests reads five.
    expect(balanceCalls).toBeLessThanOrEqual(5);
    expect(sandbox.stats.byRoute['GET /v1/company/employees']).toBe(1);
    expect(sandbox.stats.byRoute['GET /v1/company/time-off-types']).toBe(1);
  });

  it('refuses a cursor issued for another employee filter', async () => {
    const first = await send(gateway, tenant, 'GET', '/unified/hris/timeoff-balances?limit=1');
    const reply = await send(
      gateway,
      tenant,
      'GET',
      `/unified/hris/timeoff-balances?limit=1&employee_id=${sandbox.employeeIds()[0]}&cursor=${encodeURIComponent(first.body.next_cursor)}`,
    );
    expect(reply.status).toBe(400);
    expect(reply.body.error.details[0].field).toBe('cursor');
  });

  it('refuses balances with 403 while the account hides absence details, without asking Personio', async () => {
    const settings = (hidden: boolean) =>
      gateway.request(`/linked-accounts/${tenant.linkedAccountId}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ settings: { hide_absence_details: hidden } }),
        linkedAccountId: null,
      });
    const first = await send(gateway, tenant, 'GET', '/unified/hris/timeoff-balances?limit=1');
    expect(first.status).toBe(200);
    expect((await settings(true)).status).toBe(200);
    try {
      sandbox.resetStats();
      const employeeId = sandbox.employeeIds()[3]!;
      for (const path of [
        '/unified/hris/timeoff-balances',
        `/unified/hris/timeoff-balances?employee_id=${employeeId}`,
        `/unified/hris/timeoff-balances?limit=1&cursor=${encodeURIComponent(first.body.next_cursor)}`,
      ]) {
        const reply = await send(gateway, tenant, 'GET', path);
        expect({ path, status: reply.status, code: reply.body.error?.code }).toEqual({
          path,
          status: 403,
          code: 'forbidden',
        });
        expect(reply.body.error.message).toContain('hide_absence_details');
        expect(reply.body.error.message).toContain('PATCH /linked-accounts/{id}');
        expect(reply.body.error.details).toEqual({ setting: 'hide_absence_details' });
        expect(reply.body.error.request_id).toMatch(/^req_/);
      }
      expect(sandbox.stats.requests).toBe(0);
    } finally {
      expect((await settings(false)).status).toBe(200);
    }
    const visible = await send(gateway, tenant, 'GET', '/unified/hris/timeoff-balances?limit=1');
    expect(visible.status).toBe(200);
    expect(visible.body.result[0].timeoff_type.name).toEqual(expect.any(String));
  });
});
