import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonioSandbox } from '../../src/sandbox/personio';
import { createServices } from '../../src/services';
import { syncRunnerDeps } from '../../src/sync/deps';
import { runSyncJob } from '../../src/sync/run';
import {
  allEvents as allEventsOf,
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
} from '../support/gateway';
import { UNPACED } from '../support/timeoff';
import { waitFor } from '../support/wait';

describe.each<Backend>(['pglite', 'postgres'])('change feed (%s)', (backend) => {
  let storage: Storage;
  let sandbox: PersonioSandbox;
  let gateway: TestGateway;
  let acme: Tenant;
  let globex: Tenant;
  let globexGateway: TestGateway;

  const options = { ...UNPACED, builtInSandbox: true };
  /** The simulator reads this list on every token exchange, so a test can rotate a secret "in Personio". */
  const personioCredentials = [
    { ...SANDBOX_CREDENTIALS.full },
    { ...SANDBOX_CREDENTIALS.limited },
    { ...SANDBOX_CREDENTIALS.full, clientId: 'rotating', clientSecret: 'rotating-secret' },
  ];

  beforeAll(async () => {
    storage = await openStorage(backend);
    sandbox = createPersonioSandbox({ employees: 30, seed: 11, credentials: personioCredentials });
    const setup = await startGateway(storage, sandbox, undefined, options);
    acme = await createTenant(setup, SANDBOX_CREDENTIALS.full, 'Acme', 'personio-sandbox');
    globex = await createTenant(setup, SANDBOX_CREDENTIALS.full, 'Globex', 'personio-sandbox');
    gateway = await startGateway(storage, sandbox, acme, options);
    globexGateway = await startGateway(storage, sandbox, globex, options);
  });

  afterAll(async () => {
    (await gateway?.deps) && (await createServices(gateway.deps)).jobs.close();
    await storage?.close();
  });

  const syncNow = (target = gateway, tenant = acme) => syncAccount(target, tenant);

  const action = (body: Record<string, unknown>) => sandboxAction(gateway, acme, body);

  it('fills the copy silently on the first pass: one sync_completed with initial true', async () => {
    const pass = await syncNow();
    expect(pass.status).toBe('completed');
    expect(pass.initial).toBe(true);
    expect(pass.counts.created).toBeGreaterThan(30);
    const events = await allEvents();
    expect(events.map((event) => event.type)).toEqual([
      'linked_account.connected',
      'linked_account.sync_completed',
    ]);
    expect(events[0]!.data.object).toMatchObject({ id: acme.linkedAccountId, status: 'active' });
    expect(events[1]!.data.object).toMatchObject({ initial: true, status: 'completed' });
  });

  /** Every event of the environment, from the start. */
  const allEvents = (target = gateway) => allEventsOf(target);

  /** The events after the ones seen so far (by id). */
  const seen = new Set<string>();
  async function eventsSinceLastLook(): Promise<EventBody[]> {
    const fresh = (await allEvents()).filter((event) => !seen.has(event.id));
    for (const event of fresh) seen.add(event.id);
    return fresh;
  }

  it('emits nothing but sync_completed when nothing changed', async () => {
    await eventsSinceLastLook();
    const pass = await syncNow();
    expect(pass.initial).toBe(false);
    const events = await eventsSinceLastLook();
    expect(events.map((event) => event.type)).toEqual(['linked_account.sync_completed']);
  });

  it('hands out a poll cursor on the last page: polling with it returns each later event once', async () => {
    const upToDate = await json(gateway, '/events?limit=200&type=employee.*');
    let page = upToDate;
    while (page.body.next_cursor) {
      page = await json(gateway, `/events?limit=200&type=employee.*&cursor=${page.body.next_cursor}`);
    }
    expect(page.body.next_cursor).toBeNull();
    const pollCursor = page.body.poll_cursor as string;
    expect(typeof pollCursor).toBe('string');
    // Nothing new yet: the poll returns nothing and hands the same position back.
    const idle = await json(gateway, `/events?limit=200&type=employee.*&cursor=${pollCursor}`);
    expect(idle.body.result).toEqual([]);
    const id = String(sandbox.employeeIds()[5]);
    await action({ action: 'update_employee', employee_id: id, job_title: 'Poller' });
    await syncNow();
    const polled = await json(gateway, `/events?limit=200&type=employee.*&cursor=${idle.body.poll_cursor}`);
    expect(polled.body.result.map((event: EventBody) => [event.type, event.data.object.id])).toEqual([
      ['employee.updated', id],
    ]);
    const again = await json(gateway, `/events?limit=200&type=employee.*&cursor=${polled.body.poll_cursor}`);
    expect(again.body.result).toEqual([]);
    await eventsSinceLastLook();
  });

  it('hire_employee: employee.created and employee.hired, once', async () => {
    const { employee_id } = await action({
      action: 'hire_employee',
      first_name: 'Ada',
      last_name: 'Lovelace',
    });
    await syncNow();
    const events = await eventsSinceLastLook();
    expect(events.map((event) => event.type)).toEqual([
      'employee.created',
      'employee.hired',
      'linked_account.sync_completed',
    ]);
    expect(events[0]!.data.object).toMatchObject({
      id: employee_id,
      first_name: 'Ada',
      employment_status: 'active',
    });
    expect(events[0]!.linked_account_id).toBe(acme.linkedAccountId);
  });

  it('update_employee: employee.updated with the old values in previous_attributes', async () => {
    const id = String(sandbox.employeeIds()[3]);
    const before = await json(gateway, `/unified/hris/employees/${id}`);
    await action({ action: 'update_employee', employee_id: id, job_title: 'Chief Sandbox Officer' });
    await syncNow();
    const events = await eventsSinceLastLook();
    expect(events.map((event) => event.type)).toEqual(['employee.updated', 'linked_account.sync_completed']);
    expect(events[0]!.data.object).toMatchObject({ id, job_title: 'Chief Sandbox Officer' });
    expect(events[0]!.data.previous_attributes).toMatchObject({ job_title: before.body.result.job_title });
    expect(Object.keys(events[0]!.data.previous_attributes!).sort()).toEqual(['job_title', 'updated_at']);
  });

  it('keeps syncing a record whose text holds a NUL character (PostgreSQL refuses it): the NUL is dropped', async () => {
    const id = String(sandbox.employeeIds()[4]);
    await action({ action: 'update_employee', employee_id: id, preferred_name: 'Nul\u0000Name' });
    const pass = await syncNow();
    expect(pass.status).toBe('completed');
    const events = await eventsSinceLastLook();
    expect(events.map((event) => event.type)).toEqual(['employee.updated', 'linked_account.sync_completed']);
    expect(events[0]!.data.object).toMatchObject({ id, preferred_name: 'NulName' });
  });

  it('terminate_employee: employee.updated and employee.terminated, and no second terminated later', async () => {
    const ids = sandbox.employeeIds().map(String);
    let target: string | undefined;
    for (const id of ids) {
      const employee = (await json(gateway, `/unified/hris/employees/${id}`)).body.result;
      if (employee.employment_status === 'active' && employee.termination_date === null) {
        target = id;
        break;
      }
    }
    await action({ action: 'terminate_employee', employee_id: target });
    await syncNow();
    const events = await eventsSinceLastLook();
    expect(events.map((event) => event.type)).toEqual([
      'employee.updated',
      'employee.terminated',
      'linked_account.sync_completed',
    ]);
    expect(events[1]!.data.previous_attributes).toMatchObject({
      termination_date: null,
      employment_status: 'active',
    });
    await syncNow();
    expect((await eventsSinceLastLook()).map((event) => event.type)).toEqual([
      'linked_account.sync_completed',
    ]);
  });

  it('day-based absences: created, approved, declined, deleted', async () => {
    const employeeId = String(sandbox.employeeIds()[5]);
    const first = await action({
      action: 'create_timeoff',
      employee_id: employeeId,
      timeoff_type_id: '301',
      start_date: '2026-08-03',
      end_date: '2026-08-07',
    });
    const second = await action({
      action: 'create_timeoff',
      employee_id: employeeId,
      timeoff_type_id: '301',
      start_date: '2026-09-07',
      end_date: '2026-09-08',
    });
    await syncNow();
    let events = await eventsSinceLastLook();
    expect(events.map((event) => event.type)).toEqual([
      'timeoff_request.created',
      'timeoff_request.created',
      'linked_account.sync_completed',
    ]);
    expect(
      events
        .map((event) => event.data.object.id)
        .slice(0, 2)
        .sort(),
    ).toEqual([first.timeoff_request_id, second.timeoff_request_id].sort());
    expect(events[0]!.data.object).toMatchObject({ status: 'requested' });

    await action({ action: 'approve_timeoff', timeoff_request_id: first.timeoff_request_id });
    await action({ action: 'decline_timeoff', timeoff_request_id: second.timeoff_request_id });
    await syncNow();
    events = await eventsSinceLastLook();
    const byRequest = (id: string | null) => events.filter((event) => event.data.object.id === id);
    expect(byRequest(first.timeoff_request_id).map((event) => event.type)).toEqual([
      'timeoff_request.updated',
      'timeoff_request.approved',
    ]);
    expect(byRequest(first.timeoff_request_id)[1]!.data.previous_attributes).toMatchObject({
      status: 'requested',
    });
    expect(byRequest(second.timeoff_request_id).map((event) => event.type)).toEqual([
      'timeoff_request.updated',
      'timeoff_request.declined',
    ]);
    expect(events).toHaveLength(5);

    await action({ action: 'delete_timeoff', timeoff_request_id: first.timeoff_request_id });
    await syncNow();
    events = await eventsSinceLastLook();
    expect(events.map((event) => event.type)).toEqual([
      'timeoff_request.deleted',
      'linked_account.sync_completed',
    ]);
    expect(events[0]!.data.object).toMatchObject({ id: first.timeoff_request_id, status: 'approved' });
  });

  it('hour-based absences: created, cancelled, deleted', async () => {
    const employeeId = String(sandbox.employeeIds()[7]);
    const created = await action({
      action: 'create_timeoff',
      employee_id: employeeId,
      timeoff_type_id: '307',
      start_date: '2026-10-12',
      end_date: '2026-10-13',
    });
    expect(created.timeoff_request_id).toMatch(/^[0-9a-f-]{36}$/);
    await syncNow();
    expect((await eventsSinceLastLook()).map((event) => event.type)).toEqual([
      'timeoff_request.created',
      'linked_account.sync_completed',
    ]);
    await action({ action: 'cancel_timeoff', timeoff_request_id: created.timeoff_request_id });
    await syncNow();
    let events = await eventsSinceLastLook();
    expect(events.map((event) => event.type)).toEqual([
      'timeoff_request.updated',
      'timeoff_request.cancelled',
      'linked_account.sync_completed',
    ]);
    await action({ action: 'delete_timeoff', timeoff_request_id: created.timeoff_request_id });
    await syncNow();
    events = await eventsSinceLastLook();
    expect(events.map((event) => event.type)).toEqual([
      'timeoff_request.deleted',
      'linked_account.sync_completed',
    ]);
  });

  it('a pass under 20 % 429 and 5 % 5xx: every change once, nothing lost, no false deletion', async () => {
    const ids = sandbox.employeeIds().map(String);
    const changed = [ids[12]!, ids[20]!, ids[28]!];
    for (const id of changed)
      await action({ action: 'update_employee', employee_id: id, preferred_name: `P${id}` });
    const hired = await action({ action: 'hire_employee', first_name: 'Grace', last_name: 'Hopper' });
    sandbox.resetStats();
    sandbox.setFaults({ rateLimitedRate: 0.2, serverErrorRate: 0.05, seed: 99 });
    let pass: { status: string; counts: { deleted: number; upstream_pages: number } };
    try {
      pass = await syncNow();
    } finally {
      sandbox.setFaults({});
    }
    expect(pass.status).toBe('completed');
    expect(pass.counts.deleted).toBe(0);
    expect(sandbox.stats.byStatus[429]).toBeGreaterThan(0);
    const events = await eventsSinceLastLook();
    const recordEvents = events.filter((event) => !event.type.startsWith('linked_account.'));
    expect(recordEvents.map((event) => `${event.type} ${event.data.object.id}`).sort()).toEqual(
      [
        ...changed.map((id) => `employee.updated ${id}`),
        `employee.created ${hired.employee_id}`,
        `employee.hired ${hired.employee_id}`,
      ].sort(),
    );
  });

  it('scheduled passes between full ones are incremental: a few calls, the changes, no deletions until the next full pass', async () => {
    await eventsSinceLastLook();
    const id = String(sandbox.employeeIds()[14]);
    await action({ action: 'update_employee', employee_id: id, weekly_working_hours: 21 });
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    const inWindow = await json(
      gateway,
      `/unified/hris/timeoff-requests?start_date=${day(-300)}&end_date=${day(600)}&limit=5`,
    );
    const gone = inWindow.body.result[0].id as string;
    await action({ action: 'delete_timeoff', timeoff_request_id: gone });

    sandbox.resetStats();
    const services = await createServices(gateway.deps);
    const job = { environmentId: acme.environmentId, linkedAccountId: acme.linkedAccountId };
    expect(await runSyncJob(syncRunnerDeps(services), { ...job, trigger: 'schedule' })).toBe('ran');
    const incrementalCalls = sandbox.stats.requests;
    let status = (await json(gateway, `/linked-accounts/${acme.linkedAccountId}/sync`)).body.result;
    expect(status.last_pass).toMatchObject({ mode: 'incremental', status: 'completed' });
    expect((await eventsSinceLastLook()).map((event) => `${event.type} ${event.data.object.id}`)).toEqual([
      `employee.updated ${id}`,
      `linked_account.sync_completed ${status.last_pass.id}`,
    ]);

    sandbox.resetStats();
    await syncNow();
    const fullCalls = sandbox.stats.requests;
    status = (await json(gateway, `/linked-accounts/${acme.linkedAccountId}/sync`)).body.result;
    expect(status.last_pass.mode).toBe('full');
    expect(incrementalCalls).toBeLessThan(fullCalls);
    expect((await eventsSinceLastLook()).map((event) => event.type)).toEqual([
      'timeoff_request.deleted',
      'linked_account.sync_completed',
    ]);
  });

  it('two processes running passes at once emit every change exactly once', async () => {
    const id = String(sandbox.employeeIds()[9]);
    await action({ action: 'update_employee', employee_id: id, first_name: 'Twice' });
    const second = await startGateway(storage, sandbox, acme, options);
    const job = {
      environmentId: acme.environmentId,
      linkedAccountId: acme.linkedAccountId,
      trigger: 'manual' as const,
    };
    const startedAt = Date.now();
    const outcomes = await Promise.all([
      runSyncJob(syncRunnerDeps(await createServices(gateway.deps), 'one'), job),
      runSyncJob(syncRunnerDeps(await createServices(second.deps), 'two'), job),
    ]);
    // Each ran a pass, or found that a pass begun after its request covers it.
    for (const outcome of outcomes) expect(['ran', 'covered']).toContain(outcome);
    await waitFor(async () => {
      const status = await json(gateway, `/linked-accounts/${acme.linkedAccountId}/sync`);
      const last = status.body.result.last_pass;
      return !status.body.result.running && last && Date.parse(last.started_at) >= startedAt
        ? last
        : undefined;
    }, 'the passes to settle');
    const events = await eventsSinceLastLook();
    expect(events.filter((event) => event.type === 'employee.updated')).toHaveLength(1);
    expect(events.filter((event) => event.type !== 'linked_account.sync_completed')).toHaveLength(1);
  });

  it('another environment sees none of these events', async () => {
    const mine = await allEvents();
    expect(mine.length).toBeGreaterThan(5);
    const theirs = await allEvents(globexGateway);
    expect(theirs.map((event) => event.linked_account_id)).toEqual([globex.linkedAccountId]);
    const mineIds = new Set(mine.map((event) => event.id));
    expect(theirs.some((event) => mineIds.has(event.id))).toBe(false);
    const one = await json(globexGateway, `/events/${mine[0]!.id}`);
    expect(one.status).toBe(404);
    expect(one.body.error.code).toBe('not_found');
    const filtered = await json(globexGateway, `/events?linked_account_id=${acme.linkedAccountId}`);
    expect(filtered.body.result).toEqual([]);
    expect((await json(globexGateway, `/linked-accounts/${acme.linkedAccountId}/sync`)).status).toBe(404);
    expect(
      (await json(globexGateway, `/linked-accounts/${acme.linkedAccountId}/sync`, { method: 'POST' })).status,
    ).toBe(404);
    expect((await json(gateway, `/events/${mine[0]!.id}`)).body.result.id).toBe(mine[0]!.id);
  });

  it('filters by type with wildcards and refuses unknown types and foreign cursors', async () => {
    const employees = await json(gateway, '/events?type=employee.*&limit=200');
    expect(employees.body.result.length).toBeGreaterThan(0);
    expect(employees.body.result.every((event: EventBody) => event.type.startsWith('employee.'))).toBe(true);
    const two = await json(gateway, '/events?type=employee.hired,timeoff_request.approved&limit=200');
    expect(new Set(two.body.result.map((event: EventBody) => event.type))).toEqual(
      new Set(['employee.hired', 'timeoff_request.approved']),
    );
    const bad = await json(gateway, '/events?type=employee.fired');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_request');
    const page = await json(gateway, '/events?limit=1');
    const reused = await json(
      gateway,
      `/events?limit=1&type=employee.*&cursor=${encodeURIComponent(page.body.next_cursor)}`,
    );
    expect(reused.status).toBe(400);
  });

  it('a cursor walk returns every event once while new events arrive', async () => {
    const before = await allEvents();
    const walked: EventBody[] = [];
    let next: string | null = null;
    let pages = 0;
    do {
      const page = await json(gateway, `/events?limit=4${next ? `&cursor=${encodeURIComponent(next)}` : ''}`);
      walked.push(...page.body.result);
      next = page.body.next_cursor;
      // Changes land while the walk is under way.
      if (pages++ === 1) {
        await action({
          action: 'update_employee',
          employee_id: String(sandbox.employeeIds()[11]),
          last_name: 'Walker',
        });
        await syncNow();
      }
    } while (next);
    const ids = walked.map((event) => event.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.slice(0, before.length)).toEqual(before.map((event) => event.id));
    expect(walked.length).toBe(before.length + 2);
  });

  it('changes sync settings with PATCH: interval at least 1 minute, window, off', async () => {
    const path = `/linked-accounts/${acme.linkedAccountId}`;
    const patch = (settings: Record<string, unknown>) =>
      json(gateway, path, { method: 'PATCH', body: JSON.stringify({ settings }) });
    const tooOften = await patch({ sync_interval_minutes: 0 });
    expect(tooOften.status).toBe(400);
    expect(tooOften.body.error.message).toContain('sync_interval_minutes');
    expect((await patch({ sync_interval_minutes: 1.5 })).status).toBe(400);
    const changed = await patch({
      sync_interval_minutes: 60,
      sync_window_days_back: 14,
      sync_window_days_ahead: 180,
    });
    expect(changed.status).toBe(200);
    expect(changed.body.result.settings).toMatchObject({
      sync_enabled: true,
      sync_interval_minutes: 60,
      sync_window_days_back: 14,
      sync_window_days_ahead: 180,
    });
    const status = (await json(gateway, `${path}/sync`)).body.result;
    expect(status.interval_minutes).toBe(60);
    const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
    expect(status.window).toEqual({
      start_date: new Date(today - 14 * 86_400_000).toISOString().slice(0, 10),
      end_date: new Date(today + 180 * 86_400_000).toISOString().slice(0, 10),
    });
    const off = await patch({ sync_enabled: false });
    expect(off.body.result.settings.sync_enabled).toBe(false);
    expect((await json(gateway, `${path}/sync`)).body.result.enabled).toBe(false);
    await patch({
      sync_enabled: true,
      sync_interval_minutes: 15,
      sync_window_days_back: 400,
      sync_window_days_ahead: 730,
    });
  });

  it('events of an account that hides absence details leave the details out', async () => {
    const [approved] = (await json(gateway, '/events?type=timeoff_request.approved')).body
      .result as EventBody[];
    expect(approved!.data.object.timeoff_type).not.toBeNull();
    const path = `/linked-accounts/${acme.linkedAccountId}`;
    const hide = (on: boolean) =>
      json(gateway, path, {
        method: 'PATCH',
        body: JSON.stringify({ settings: { hide_absence_details: on } }),
      });
    await hide(true);
    try {
      const hidden = (await json(gateway, `/events/${approved!.id}`)).body.result as EventBody;
      expect(hidden.data.object).toMatchObject({
        timeoff_type: null,
        employee_note: null,
        status: 'approved',
      });
      const listed = (await json(gateway, '/events?type=timeoff_request.*&limit=200')).body
        .result as EventBody[];
      for (const event of listed) {
        expect(event.data.object.timeoff_type ?? null).toBeNull();
        expect(Object.keys(event.data.previous_attributes ?? {})).not.toContain('timeoff_type');
      }
    } finally {
      await hide(false);
    }
  });

  it('a credential Personio refuses: the pass fails (sync_failed, nothing deleted) and the account says needs_reauth once', async () => {
    const rotating = await createTenant(
      gateway,
      { clientId: 'rotating', clientSecret: 'rotating-secret' },
      'Rotating',
      'personio-sandbox',
    );
    const rotatingGateway = await startGateway(storage, sandbox, rotating, options);
    const first = await syncNow(rotatingGateway, rotating);
    expect(first.status).toBe('completed');
    const index = personioCredentials.findIndex((credential) => credential.clientId === 'rotating');
    personioCredentials[index] = { ...personioCredentials[index]!, clientSecret: 'changed-in-personio' };
    sandbox.expireTokens();
    const failed = await syncNow(rotatingGateway, rotating);
    expect(failed.status).toBe('failed');
    expect(failed.error).toContain('provider_unauthorized');
    expect(failed.counts.deleted).toBe(0);
    // The job records needs_reauth just after the failed pass: wait for it rather than race it.
    await waitFor(async () => {
      const state = await json(rotatingGateway, `/linked-accounts/${rotating.linkedAccountId}`);
      return state.body.result.status === 'needs_reauth' ? true : undefined;
    }, 'needs_reauth');
    const events = (await allEvents(rotatingGateway)).map((event) => event.type);
    expect(events).toEqual([
      'linked_account.connected',
      'linked_account.sync_completed',
      'linked_account.sync_failed',
      'linked_account.needs_reauth',
    ]);
    const account = await json(rotatingGateway, `/linked-accounts/${rotating.linkedAccountId}`);
    expect(account.body.result.status).toBe('needs_reauth');
    expect(
      (await json(rotatingGateway, `/linked-accounts/${rotating.linkedAccountId}/sync`, { method: 'POST' }))
        .status,
    ).toBe(409);
  });

  it('deleting a linked account records linked_account.deleted, and its events stay readable', async () => {
    const doomed = await createTenant(gateway, SANDBOX_CREDENTIALS.full, 'Doomed', 'personio-sandbox');
    const doomedGateway = await startGateway(storage, sandbox, doomed, options);
    const deleted = await json(doomedGateway, `/linked-accounts/${doomed.linkedAccountId}`, {
      method: 'DELETE',
    });
    expect(deleted.status).toBe(200);
    const events = await allEvents(doomedGateway);
    expect(events.map((event) => event.type)).toEqual(['linked_account.connected', 'linked_account.deleted']);
    expect(events[1]!.data.object).toMatchObject({ id: doomed.linkedAccountId });
    expect(JSON.stringify(events)).not.toContain('sandbox-secret');
    expect(
      (await json(doomedGateway, `/linked-accounts/${doomed.linkedAccountId}/sync`, { method: 'POST' }))
        .status,
    ).toBe(404);
  });

  it('refuses sandbox actions on a real linked account with 404', async () => {
    const real = await createTenant(gateway, SANDBOX_CREDENTIALS.full, 'Initech', 'personio');
    const realGateway = await startGateway(storage, sandbox, real, options);
    const reply = await json(realGateway, '/sandbox/actions', {
      method: 'POST',
      body: JSON.stringify({
        linked_account_id: real.linkedAccountId,
        action: 'hire_employee',
        first_name: 'A',
        last_name: 'B',
      }),
    });
    expect(reply.status).toBe(404);
    expect(reply.body.error.code).toBe('not_found');
  });
});
