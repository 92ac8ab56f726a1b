import { afterEach, describe, expect, it } from 'vitest';
import type { PersonioSandbox } from '../../src/sandbox/personio';
import { createServices } from '../../src/services';
import { syncRunnerDeps } from '../../src/sync/deps';
import { runSyncJob } from '../../src/sync/run';
import { json, sandboxAction, syncNow } from '../support/change-feed';
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

/**
 * A hire or termination entered ahead of its date changes the status in Personio when the date comes, with no
 * edit: `updated_since` never returns it. The next incremental pass reads such employees again and emits the
 * change.
 */

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

interface EventBody {
  id: string;
  type: string;
  data: { object: Record<string, unknown>; previous_attributes?: Record<string, unknown> };
}

describe.each<Backend>(['pglite', 'postgres'])('statuses that take effect by date (%s)', (backend) => {
  let storage: Storage | undefined;
  let sandbox: PersonioSandbox;
  let gateway: TestGateway;
  let tenant: Tenant;
  const seen = new Set<string>();

  afterEach(async () => {
    if (gateway) (await createServices(gateway.deps)).jobs.close();
    await storage?.close();
    storage = undefined;
  });

  /** A sandbox account with its first pass done; full passes only weekly, so scheduled passes are incremental. */
  async function setUp() {
    storage = await openStorage(backend);
    seen.clear();
    // The simulator's clock runs an hour behind at first: changes made now are older than the next pass's
    // start minus its overlap, so only a re-read (not the change filter) can find what their dates do later.
    sandbox = createPersonioSandbox({ employees: 30, seed: 11, now: () => new Date(Date.now() - HOUR_MS) });
    const options = { ...UNPACED, builtInSandbox: true };
    const setup = await startGateway(storage, sandbox, undefined, options);
    tenant = await createTenant(setup, SANDBOX_CREDENTIALS.full, 'Acme', 'personio-sandbox');
    gateway = await startGateway(storage, sandbox, tenant, options);
    const patched = await json(gateway, `/linked-accounts/${tenant.linkedAccountId}`, {
      method: 'PATCH',
      body: JSON.stringify({ settings: { sync_full_interval_minutes: 10_080 } }),
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect((await syncNow(gateway, tenant)).initial).toBe(true);
    await newEvents();
  }

  /** The account's events not returned before, oldest first. */
  async function newEvents(): Promise<EventBody[]> {
    const events: EventBody[] = [];
    let next: string | null = null;
    do {
      const page = await json(
        gateway,
        `/events?limit=200&linked_account_id=${tenant.linkedAccountId}${next ? `&cursor=${encodeURIComponent(next)}` : ''}`,
      );
      expect(page.status).toBe(200);
      events.push(...page.body.result);
      next = page.body.next_cursor;
    } while (next);
    const fresh = events.filter((event) => !seen.has(event.id));
    for (const event of fresh) seen.add(event.id);
    return fresh;
  }

  /** A scheduled pass run with the gateway's clock `aheadMs` ahead (the day the simulator was moved to). */
  async function scheduledPass(aheadMs: number, maxDateRereads?: number) {
    const services = await createServices(gateway.deps);
    const deps = { ...syncRunnerDeps(services), now: () => new Date(Date.now() + aheadMs), maxDateRereads };
    const job = { environmentId: tenant.environmentId, linkedAccountId: tenant.linkedAccountId };
    expect(await runSyncJob(deps, { ...job, trigger: 'schedule' })).toBe('ran');
    return (await json(gateway, `/linked-accounts/${tenant.linkedAccountId}/sync`)).body.result;
  }

  /** Active employees without a termination date, by the gateway's live read. */
  async function activeEmployees(count: number): Promise<string[]> {
    const page = await json(gateway, '/unified/hris/employees?employment_status=active&limit=50');
    const ids = (page.body.result as { id: string; termination_date: string | null }[])
      .filter((employee) => employee.termination_date === null)
      .map((employee) => employee.id);
    expect(ids.length).toBeGreaterThanOrEqual(count);
    return ids.slice(0, count);
  }

  const simulatorDay = (offsetDays: number) =>
    new Date(Date.now() - HOUR_MS + offsetDays * DAY_MS).toISOString().slice(0, 10);

  it('a termination and a hire dated tomorrow show up in the incremental pass after the date: one employee.updated each', async () => {
    await setUp();
    const [leaving] = await activeEmployees(1);
    await sandboxAction(gateway, tenant, {
      action: 'terminate_employee',
      employee_id: leaving,
      termination_date: simulatorDay(1),
    });
    const { employee_id: joining } = await sandboxAction(gateway, tenant, {
      action: 'hire_employee',
      first_name: 'Future',
      last_name: 'Starter',
      hire_date: simulatorDay(1),
    });
    await syncNow(gateway, tenant);
    const entered = await newEvents();
    expect(entered.map((event) => `${event.type} ${event.data.object.id}`)).toEqual([
      `employee.updated ${leaving}`,
      `employee.terminated ${leaving}`,
      `employee.created ${joining}`,
      expect.stringMatching(/^linked_account\.sync_completed /),
    ]);
    expect(entered[0]!.data.object.employment_status).toBe('active');
    expect(entered[2]!.data.object.employment_status).toBe('pending');

    // The dates come; nobody edits either record.
    sandbox.advanceClock(3 * DAY_MS);
    const status = await scheduledPass(3 * DAY_MS);
    expect(status.last_pass).toMatchObject({ mode: 'incremental', status: 'completed' });
    const events = await newEvents();
    expect(events.map((event) => `${event.type} ${event.data.object.id}`).sort()).toEqual(
      [
        `employee.updated ${leaving}`,
        `employee.updated ${joining}`,
        `employee.hired ${joining}`,
        `linked_account.sync_completed ${status.last_pass.id}`,
      ].sort(),
    );
    const updated = (id: string | null) =>
      events.find((event) => event.type === 'employee.updated' && event.data.object.id === id)!;
    expect(updated(leaving!).data.object.employment_status).toBe('inactive');
    expect(updated(leaving!).data.previous_attributes).toEqual({ employment_status: 'active' });
    expect(updated(joining).data.object.employment_status).toBe('active');
    expect(updated(joining).data.previous_attributes).toEqual({ employment_status: 'pending' });

    // Seen once: the next incremental pass reads neither again and emits nothing.
    sandbox.resetStats();
    const again = await scheduledPass(3 * DAY_MS);
    expect(again.last_pass.mode).toBe('incremental');
    expect((await newEvents()).map((event) => event.type)).toEqual(['linked_account.sync_completed']);
    expect(sandbox.stats.byRoute['GET /v1/company/employees/:employee_id'] ?? 0).toBe(0);
  });

  it('more dates than a pass reads again: it reads its share and a full pass follows at once', async () => {
    await setUp();
    const leaving = await activeEmployees(3);
    for (const id of leaving) {
      await sandboxAction(gateway, tenant, {
        action: 'terminate_employee',
        employee_id: id,
        termination_date: simulatorDay(1),
      });
    }
    await syncNow(gateway, tenant);
    await newEvents();
    sandbox.advanceClock(3 * DAY_MS);
    sandbox.resetStats();
    const status = await scheduledPass(3 * DAY_MS, 2);
    expect(sandbox.stats.byRoute['GET /v1/company/employees/:employee_id']).toBe(2);
    // The incremental pass asked for a full one, which the same job ran after it.
    expect(status.last_pass).toMatchObject({ mode: 'full', status: 'completed' });
    const events = await newEvents();
    expect(events.map((event) => event.type)).toEqual([
      'employee.updated',
      'employee.updated',
      'linked_account.sync_completed',
      'employee.updated',
      'linked_account.sync_completed',
    ]);
    expect(
      events
        .filter((event) => event.type === 'employee.updated')
        .map((event) => [event.data.object.id, event.data.object.employment_status])
        .sort(),
    ).toEqual(leaving.map((id) => [id, 'inactive']).sort());
  });
});
