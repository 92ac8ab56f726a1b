import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseConfig } from '../../src/config';
import { silentLogger } from '../../src/lib/logger';
import { createNodeRuntime, type NodeRuntime } from '../../src/runtime/node-runtime';
import type { PersonioSandbox } from '../../src/sandbox/personio';
import { createServices } from '../../src/services';
import { createTestDatabase, type TestDatabase } from '../harness/databases';
import type { Body } from '../sandbox/sandbox-client';
import { sandboxAction } from '../support/change-feed';
import {
  createPersonioSandbox,
  createTenant,
  ENCRYPTION_KEY,
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

/**
 * The Node entry's built-in simulator delivers through the gateway's webhook sender: its management API is
 * reachable by any sandbox account through the proxy, so the URLs it is given go under WEBHOOK_TARGETS.
 */
describe("the built-in simulator's webhooks leave under WEBHOOK_TARGETS (PostgreSQL)", () => {
  let database: TestDatabase;
  let receiver: Awaited<ReturnType<typeof recordingServer>>;
  const runtimes: NodeRuntime[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(inject('databaseUrl'));
    receiver = await recordingServer((_request, response) => response.writeHead(200).end());
  });
  afterAll(async () => {
    for (const runtime of runtimes) await runtime.close();
    await receiver?.close();
    await database?.drop();
  });

  /** A Node runtime with the built-in simulator; returns a call into that simulator. */
  async function builtInSandbox(targets: 'public' | 'loopback') {
    const config = parseConfig({
      DATABASE_URL: database.url,
      ENCRYPTION_KEY,
      SANDBOX: 'true',
      SANDBOX_EMPLOYEES: '10',
      WEBHOOK_TARGETS: targets,
      LOG_LEVEL: 'silent',
    });
    const runtime = await createNodeRuntime(config, { logger: silentLogger });
    runtimes.push(runtime);
    const simulator = runtime.deps.sandbox!;
    const origin = new URL(simulator.baseUrl).origin;
    const call = async (
      method: string,
      path: string,
      token: string | null,
      body?: BodyInit,
      type?: string,
    ) => {
      const headers: Record<string, string> = {};
      if (token) headers.authorization = `Bearer ${token}`;
      if (type) headers['content-type'] = type;
      const response = await simulator.fetch(new Request(`${origin}${path}`, { method, headers, body }));
      return { status: response.status, body: (await response.json()) as Body };
    };
    const credentials = { client_id: 'sandbox-full', client_secret: 'sandbox-secret-full' };
    const v1 = (await call('POST', '/v1/auth', null, JSON.stringify(credentials), 'application/json')).body
      .data.token as string;
    const v2 = (
      await call(
        'POST',
        '/v2/auth/token',
        null,
        new URLSearchParams({ grant_type: 'client_credentials', ...credentials }).toString(),
        'application/x-www-form-urlencoded',
      )
    ).body.access_token as string;
    const registered = await call(
      'POST',
      '/v2/webhooks',
      v2,
      JSON.stringify({
        url: `${receiver.url}/${targets}`,
        status: 'ENABLED',
        token: 't',
        enabled_events: ['person.created'],
      }),
      'application/json',
    );
    expect(registered.status).toBe(201);
    const hired = await call(
      'POST',
      '/v1/_sandbox/employees',
      v1,
      JSON.stringify({ first_name: 'Eve', last_name: targets }),
      'application/json',
    );
    expect(hired.status).toBe(201);
    return waitFor(async () => {
      const attempts = await call(
        'GET',
        `/v1/_sandbox/webhook-attempts?webhook_id=${registered.body.id}`,
        v1,
      );
      return attempts.body.data.length > 0 ? attempts.body.data[0] : undefined;
    }, 'a delivery attempt');
  }

  it('public: a loopback URL is refused and nothing reaches it; loopback: it is delivered', async () => {
    const refused = await builtInSandbox('public');
    // Refused like any unreachable receiver: failed, and retried on the (default, days-long) schedule.
    expect(refused).toMatchObject({ response_status: null, outcome: 'retry' });
    expect(refused.error).toMatch(/refused by egress policy/);
    expect(receiver.requests.filter((request) => request.target === '/public')).toEqual([]);

    const delivered = await builtInSandbox('loopback');
    expect(delivered).toMatchObject({ response_status: 200, outcome: 'delivered' });
    expect(receiver.requests.filter((request) => request.target === '/loopback')).toHaveLength(1);
  });
});
