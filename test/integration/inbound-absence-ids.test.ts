import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonioSandbox } from '../../src/sandbox/personio';
import {
  type Backend,
  createPersonioSandbox,
  createTenant,
  openStorage,
  SANDBOX_CREDENTIALS,
  type Storage,
  type Tenant,
  type TestGateway,
} from '../support/gateway';
import { type ServedGateway, serveInboundGateway, tenantCalls } from '../support/inbound-gateway';
import { freePort } from '../support/processes';
import { waitFor } from '../support/wait';

/**
 * Inbound absence webhooks when Personio's v2 absence ids are not its v1 time-off ids (REFERENCE §1: v1
 * integers, v2 UUIDs): the simulator in its `uuid` mode, the gateway on a real loopback port receiving its
 * deliveries, the change feed read through `GET /events` with v1 ids. No test calls `/sync` after the
 * first pass.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

for (const backend of ['postgres', 'pglite'] as Backend[]) {
  describe(`inbound absence webhooks with distinct v2 ids (${backend === 'postgres' ? 'PostgreSQL + Redis' : 'embedded PGlite'})`, () => {
    let storage: Storage;
    let sandbox: PersonioSandbox;
    let gateway: ServedGateway;
    let acme: Tenant;

    const calls = tenantCalls(() => gateway);
    const call = (path: string, init: { method?: string; body?: unknown } = {}) =>
      calls.call(acme, path, init);
    const events = (type: string) => calls.events(acme, type);
    const eventsOf = async (type: string, id: string) =>
      (await events(type)).filter((event) => event.data.object.id === id);
    const syncStatus = () => calls.syncStatus(acme);
    const action = (body: Record<string, unknown>) => calls.action(acme, body);
    const passAfter = (requestedAt: number) => calls.passAfter(acme, requestedAt);
    const tokenOf = () => calls.tokenOf(acme);
    const deliver = async (body: unknown) => {
      const response = await fetch(`${gateway.url}/inbound/personio/${acme.linkedAccountId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: await tokenOf() },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(202);
    };
    /** The person's absence periods as Personio v2 shows them. */
    const v2Periods = async (personId: string) => {
      const form = new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: SANDBOX_CREDENTIALS.full.clientId,
        client_secret: SANDBOX_CREDENTIALS.full.clientSecret,
      });
      const issued = await sandbox.fetch(
        new Request('http://sandbox.test/v2/auth/token', { method: 'POST', body: form }),
      );
      const { access_token } = (await issued.json()) as { access_token: string };
      const listed = await sandbox.fetch(
        new Request(`http://sandbox.test/v2/absence-periods?person.id=${personId}&limit=100`, {
          headers: { authorization: `Bearer ${access_token}` },
        }),
      );
      return ((await listed.json()) as { _data: { id: string; starts_from: { date_time: string } }[] })._data;
    };
    /** Once a real delivery's event is there, every notification posted before it has been handled. */
    const marker = async (employeeIndex: number, name: string) => {
      const employeeId = String(sandbox.employeeIds()[employeeIndex]);
      await action({ action: 'update_employee', employee_id: employeeId, preferred_name: name });
      await waitFor(
        async () =>
          (await events('employee.updated')).find(
            (event) => event.data.object.id === employeeId && event.data.object.preferred_name === name,
          ),
        `the marker ${name}`,
      );
    };

    beforeAll(async () => {
      storage = await openStorage(backend);
      sandbox = createPersonioSandbox({
        employees: 20,
        seed: 41,
        v2AbsenceIds: 'uuid',
        webhookDelivery: { retryDelaysMs: [] },
      });
      gateway = await serveInboundGateway(storage, sandbox, await freePort());
      acme = await createTenant(
        { deps: gateway.deps } as TestGateway,
        SANDBOX_CREDENTIALS.full,
        'Acme',
        'personio-sandbox',
      );
      const requestedAt = Date.now();
      expect((await call(`/linked-accounts/${acme.linkedAccountId}/sync`, { method: 'POST' })).status).toBe(
        202,
      );
      await passAfter(requestedAt);
      expect((await syncStatus()).inbound_webhook).toMatchObject({ status: 'active' });
    });

    afterAll(async () => {
      sandbox?.webhooks.stop();
      await gateway?.close();
      await storage?.close();
    });

    it('create, approve and delete of an absence reach GET /events with v1 ids, without a call to /sync', async () => {
      const passBefore = (await syncStatus()).last_pass.id;
      const employeeId = String(sandbox.employeeIds()[2]);
      const created = await action({
        action: 'create_timeoff',
        employee_id: employeeId,
        timeoff_type_id: '301',
        start_date: '2026-12-14',
        end_date: '2026-12-16',
      });
      const requestId = created.timeoff_request_id!;
      expect(requestId).toMatch(/^\d+$/);
      // Personio's v2 (and so its webhook) names the absence by a UUID of its own.
      const period = (await v2Periods(employeeId)).find((item) =>
        item.starts_from.date_time.startsWith('2026-12-14'),
      );
      expect(period?.id).toMatch(UUID);
      expect(period?.id).not.toBe(requestId);

      const createdEvent = await waitFor(
        async () => (await eventsOf('timeoff_request.created', requestId))[0],
        'timeoff_request.created from the webhook',
      );
      expect(createdEvent.data.object).toMatchObject({
        employee: { id: employeeId },
        start_date: '2026-12-14',
      });

      await action({ action: 'approve_timeoff', timeoff_request_id: requestId });
      const updated = await waitFor(
        async () =>
          (await eventsOf('timeoff_request.updated', requestId)).find(
            (event) => event.data.object.status === 'approved',
          ),
        'timeoff_request.updated from the webhook',
      );
      expect(updated.data.previous_attributes).toHaveProperty('status');

      await action({ action: 'delete_timeoff', timeoff_request_id: requestId });
      await waitFor(
        async () => (await eventsOf('timeoff_request.deleted', requestId))[0],
        'timeoff_request.deleted from the webhook',
      );
      // No event ever named the v2 id.
      expect(JSON.stringify(await events('timeoff_request.*'))).not.toContain(period!.id);
      expect((await syncStatus()).last_pass.id).toBe(passBefore);
    });

    it('redelivered absence notifications make no duplicate events', async () => {
      const employeeId = String(sandbox.employeeIds()[4]);
      const created = await action({
        action: 'create_timeoff',
        employee_id: employeeId,
        timeoff_type_id: '301',
        start_date: '2026-12-21',
        end_date: '2026-12-22',
      });
      const requestId = created.timeoff_request_id!;
      await waitFor(
        async () => (await eventsOf('timeoff_request.created', requestId))[0],
        'the created event',
      );
      const period = (await v2Periods(employeeId)).find((item) =>
        item.starts_from.date_time.startsWith('2026-12-21'),
      );
      const notification = (event_name: string) => ({
        company_id: sandbox.webhooks.companyId,
        event_name,
        occurred_at: new Date().toISOString(),
        payload: { id: period!.id, person: { id: employeeId } },
      });
      for (let i = 0; i < 3; i++) await deliver(notification('absence-period.created'));
      await action({ action: 'delete_timeoff', timeoff_request_id: requestId });
      await waitFor(
        async () => (await eventsOf('timeoff_request.deleted', requestId))[0],
        'the deleted event',
      );
      for (let i = 0; i < 3; i++) await deliver(notification('absence-period.deleted'));
      await marker(5, 'After redelivery');
      expect(await eventsOf('timeoff_request.created', requestId)).toHaveLength(1);
      expect(await eventsOf('timeoff_request.deleted', requestId)).toHaveLength(1);
      expect(await eventsOf('timeoff_request.updated', requestId)).toHaveLength(0);
    });

    it('a notification without its person is placed by reading the period through v2', async () => {
      const employeeId = String(sandbox.employeeIds()[6]);
      const created = await action({
        action: 'create_timeoff',
        employee_id: employeeId,
        timeoff_type_id: '301',
        start_date: '2027-01-11',
        end_date: '2027-01-12',
      });
      const requestId = created.timeoff_request_id!;
      await waitFor(
        async () => (await eventsOf('timeoff_request.created', requestId))[0],
        'the created event',
      );
      // The decision's own delivery is lost; a notification naming only the period reaches the gateway.
      sandbox.webhooks.setOutage({ mode: 'drop' });
      try {
        await action({ action: 'decline_timeoff', timeoff_request_id: requestId });
      } finally {
        sandbox.webhooks.setOutage(null);
      }
      const period = (await v2Periods(employeeId)).find((item) =>
        item.starts_from.date_time.startsWith('2027-01-11'),
      );
      await deliver({
        event_name: 'absence-period.updated.status',
        occurred_at: new Date().toISOString(),
        payload: { id: period!.id },
      });
      await waitFor(
        async () =>
          (await eventsOf('timeoff_request.updated', requestId)).find(
            (event) => event.data.object.status === 'declined',
          ),
        'the updated event',
      );
    });

    it('a deletion naming neither a person nor a period Personio knows requests one full pass', async () => {
      const requestedAt = Date.now();
      const before = (await syncStatus()).last_pass.id;
      for (let i = 0; i < 2; i++) {
        await deliver({
          event_name: 'absence-period.deleted',
          occurred_at: new Date().toISOString(),
          payload: { id: randomUUID() },
        });
      }
      const pass = await passAfter(requestedAt);
      expect(pass.id).not.toBe(before);
      expect(pass).toMatchObject({ mode: 'full', trigger: 'manual', status: 'completed' });
    });

    it('in id-equal mode the same notifications still work', async () => {
      sandbox.setV2AbsenceIds('v1');
      try {
        const employeeId = String(sandbox.employeeIds()[8]);
        const created = await action({
          action: 'create_timeoff',
          employee_id: employeeId,
          timeoff_type_id: '301',
          start_date: '2027-02-01',
          end_date: '2027-02-02',
        });
        const requestId = created.timeoff_request_id!;
        const period = (await v2Periods(employeeId)).find((item) =>
          item.starts_from.date_time.startsWith('2027-02-01'),
        );
        expect(period?.id).toBe(requestId);
        await waitFor(
          async () => (await eventsOf('timeoff_request.created', requestId))[0],
          'the created event',
        );
        await action({ action: 'delete_timeoff', timeoff_request_id: requestId });
        await waitFor(
          async () => (await eventsOf('timeoff_request.deleted', requestId))[0],
          'the deleted event',
        );
      } finally {
        sandbox.setV2AbsenceIds('uuid');
      }
    });
  });
}
