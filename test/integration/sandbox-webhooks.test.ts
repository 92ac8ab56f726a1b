import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonioSandbox } from '../../src/sandbox/personio';
import { createServices } from '../../src/services';
import { sandboxAction } from '../support/change-feed';
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
import { type RecordedRequest, recordingServer } from '../support/http-servers';
import { UNPACED } from '../support/timeoff';
import { waitFor } from '../support/wait';

/**
 * The gateway's sandbox actions (`POST /sandbox/actions`) change the built-in simulator's data, and the
 * simulator fires Personio v2 webhooks for them like for any other change: here to a receiver on 127.0.0.1
 * registered through the simulator's own `POST /v2/webhooks` (PostgreSQL, the simulator).
 */

const EVENTS = [
  'person.created',
  'person.updated',
  'employment.created',
  'employment.updated',
  'employment.started',
  'employment.terminated',
  'absence-period.created',
  'absence-period.updated.status',
  'absence-period.deleted',
];

describe('sandbox actions fire Personio v2 webhooks (PostgreSQL)', () => {
  let storage: Storage;
  let sandbox: PersonioSandbox;
  let gateway: TestGateway;
  let tenant: Tenant;
  let receiver: Awaited<ReturnType<typeof recordingServer>>;

  beforeAll(async () => {
    storage = await openStorage('postgres');
    sandbox = createPersonioSandbox({ employees: 20, seed: 21, webhookDelivery: { retryDelaysMs: [] } });
    const options = { ...UNPACED, builtInSandbox: true };
    const setup = await startGateway(storage, sandbox, undefined, options);
    tenant = await createTenant(setup, SANDBOX_CREDENTIALS.full, 'Acme', 'personio-sandbox');
    gateway = await startGateway(storage, sandbox, tenant, options);
    receiver = await recordingServer((_request, response) => response.writeHead(200).end());

    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: SANDBOX_CREDENTIALS.full.clientId,
      client_secret: SANDBOX_CREDENTIALS.full.clientSecret,
    });
    const issued = await sandbox.fetch(
      new Request('http://sandbox.test/v2/auth/token', { method: 'POST', body: form }),
    );
    const { access_token } = (await issued.json()) as { access_token: string };
    const registered = await sandbox.fetch(
      new Request('http://sandbox.test/v2/webhooks', {
        method: 'POST',
        headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          url: `${receiver.url}/personio/acme`,
          status: 'ENABLED',
          auth_type: 'TOKEN',
          token: 'Bearer acme-hook-token',
          enabled_events: EVENTS,
        }),
      }),
    );
    expect(registered.status).toBe(201);
  });

  afterAll(async () => {
    sandbox?.webhooks.stop();
    await receiver?.close();
    if (gateway) (await createServices(gateway.deps)).jobs.close();
    await storage?.close();
  });

  type Delivered = { event_name: string; payload: { id: string; person?: { id: string } } };
  const bodyOf = (request: RecordedRequest) => JSON.parse(request.body.toString('utf8')) as Delivered;
  /** Waits until every queued delivery is done, and returns those beyond the first `seen`, by event name. */
  const deliveriesAfter = async (seen: number, count: number) => {
    const delivered = await waitFor(
      async () =>
        receiver.requests.length >= seen + count && sandbox.webhooks.pendingDeliveries() === 0
          ? receiver.requests
              .slice(seen)
              .map(bodyOf)
              .sort((a, b) => a.event_name.localeCompare(b.event_name))
          : undefined,
      `${count} webhook deliveries`,
    );
    expect(delivered).toHaveLength(count);
    return delivered;
  };

  it('hire, update, terminate and time-off actions each reach the registered webhook', async () => {
    const hired = await sandboxAction(gateway, tenant, {
      action: 'hire_employee',
      first_name: 'Ada',
      last_name: 'Lovelace',
      job_title: 'Analyst',
    });
    const personId = hired.employee_id!;
    let delivered = await deliveriesAfter(0, 3);
    expect(
      delivered.map((event) => [event.event_name, event.payload.person?.id ?? event.payload.id]),
    ).toEqual([
      ['employment.created', personId],
      ['employment.started', personId],
      ['person.created', personId],
    ]);
    for (const request of receiver.requests) {
      expect(request.target).toBe('/personio/acme');
      expect(request.headers.authorization).toBe('Bearer acme-hook-token');
    }

    let seen = receiver.requests.length;
    await sandboxAction(gateway, tenant, {
      action: 'update_employee',
      employee_id: personId,
      preferred_name: 'Countess',
    });
    delivered = await deliveriesAfter(seen, 1);
    expect(delivered.map((event) => [event.event_name, event.payload.id])).toEqual([
      ['person.updated', personId],
    ]);

    seen = receiver.requests.length;
    const created = await sandboxAction(gateway, tenant, {
      action: 'create_timeoff',
      employee_id: String(sandbox.employeeIds()[4]),
      timeoff_type_id: '301',
      start_date: '2031-08-04',
      end_date: '2031-08-06',
    });
    delivered = await deliveriesAfter(seen, 1);
    expect(delivered[0]).toMatchObject({
      event_name: 'absence-period.created',
      payload: { person: { id: String(sandbox.employeeIds()[4]) } },
    });
    const periodId = delivered[0]!.payload.id;
    // The unified id names the same Personio absence the webhook names.
    expect(created.timeoff_request_id).toContain(periodId);

    seen = receiver.requests.length;
    await sandboxAction(gateway, tenant, {
      action: 'approve_timeoff',
      timeoff_request_id: created.timeoff_request_id,
    });
    delivered = await deliveriesAfter(seen, 1);
    expect(delivered.map((event) => [event.event_name, event.payload.id])).toEqual([
      ['absence-period.updated.status', periodId],
    ]);

    seen = receiver.requests.length;
    await sandboxAction(gateway, tenant, {
      action: 'delete_timeoff',
      timeoff_request_id: created.timeoff_request_id,
    });
    delivered = await deliveriesAfter(seen, 1);
    expect(delivered.map((event) => [event.event_name, event.payload.id])).toEqual([
      ['absence-period.deleted', periodId],
    ]);

    seen = receiver.requests.length;
    await sandboxAction(gateway, tenant, {
      action: 'terminate_employee',
      employee_id: personId,
      termination_date: new Date().toISOString().slice(0, 10),
    });
    delivered = await deliveriesAfter(seen, 2);
    expect(delivered.map((event) => [event.event_name, event.payload.person?.id])).toEqual([
      ['employment.terminated', personId],
      ['employment.updated', personId],
    ]);
  });
});
