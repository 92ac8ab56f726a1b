import type { ServerResponse } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Services } from '../../src/context';
import { insertEvents } from '../../src/db/queries/events';
import { webhookDeliveries, webhookEndpoints } from '../../src/db/schema';
import { InProcessDeliveries } from '../../src/jobs/webhook-deliveries';
import { silentLogger } from '../../src/lib/logger';
import { nodeWebhookSender } from '../../src/runtime/node-webhook-sender';
import type { PersonioSandbox } from '../../src/sandbox/personio';
import { createServices } from '../../src/services';
import {
  DISABLE_AFTER_FAILING_MS,
  MAX_ATTEMPTS,
  RETRY_DELAYS_MS,
  WebhookDispatcher,
  webhookDispatcher,
} from '../../src/webhooks/dispatcher';
import { json, sandboxAction, syncNow as syncAccount } from '../support/change-feed';
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
import { type RecordedRequest, recordingServer } from '../support/http-servers';
import { UNPACED } from '../support/timeoff';
import { waitFor } from '../support/wait';

type Behaviour = number | 'hang' | { redirect: string };

/** A receiver on loopback: answers each path as told (200 by default) and records what arrived. */
async function startReceiver() {
  const behaviour = new Map<string, Behaviour>();
  const hanging: ServerResponse[] = [];
  let maxHanging = 0;
  const server = await recordingServer((request, response) => {
    const rule = behaviour.get(request.target) ?? 200;
    if (rule === 'hang') {
      hanging.push(response);
      maxHanging = Math.max(maxHanging, hanging.length);
      response.on('close', () => hanging.splice(hanging.indexOf(response), 1));
      return;
    }
    if (typeof rule === 'object') {
      response.writeHead(302, { location: rule.redirect }).end();
      return;
    }
    response.writeHead(rule, { 'content-type': 'text/plain' }).end(rule < 300 ? 'ok' : `status ${rule}`);
  });
  return {
    ...server,
    behaviour,
    hanging,
    maxHanging: () => maxHanging,
    at: (path: string) => server.requests.filter((request) => request.target === path),
  };
}

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

const headersOf = (request: RecordedRequest) => request.headers as Record<string, string>;

describe.each<Backend>(['pglite', 'postgres'])('webhooks (%s)', (backend) => {
  let storage: Storage;
  let sandbox: PersonioSandbox;
  let gateway: TestGateway;
  let globexGateway: TestGateway;
  let acme: Tenant;
  let globex: Tenant;
  let services: Services;
  let receiver: Receiver;
  let runner: InProcessDeliveries;
  const sender = nodeWebhookSender('loopback');

  const options = {
    ...UNPACED,
    env: { ...UNPACED.env, WEBHOOK_TARGETS: 'loopback', WEBHOOK_TIMEOUT_MS: '30000' },
    builtInSandbox: true,
    webhookSender: sender,
  };

  beforeAll(async () => {
    storage = await openStorage(backend);
    sandbox = createPersonioSandbox({ employees: 20, seed: 12 });
    receiver = await startReceiver();
    const setup = await startGateway(storage, sandbox, undefined, options);
    acme = await createTenant(setup, SANDBOX_CREDENTIALS.full, 'Acme', 'personio-sandbox');
    globex = await createTenant(setup, SANDBOX_CREDENTIALS.full, 'Globex', 'personio-sandbox');
    gateway = await startGateway(storage, sandbox, acme, options);
    globexGateway = await startGateway(storage, sandbox, globex, options);
    services = await createServices(gateway.deps);
    runner = new InProcessDeliveries(webhookDispatcher(services, 'test'), {
      concurrency: 32,
      logger: silentLogger,
    });
    await syncNow(); // the silent first pass
  });

  afterEach(async () => {
    // Each test starts without endpoints (their deliveries go with them).
    await storage.database.db.delete(webhookEndpoints);
  });

  afterAll(async () => {
    await runner?.close();
    for (const response of receiver?.hanging ?? []) response.destroy();
    await receiver?.close();
    await sender.close();
    await services?.jobs.close();
    await storage?.close();
  });

  const syncNow = (target = gateway, tenant = acme) => syncAccount(target, tenant);

  const action = (body: Record<string, unknown>) => sandboxAction(gateway, acme, body);

  async function createEndpoint(body: Record<string, unknown>, target = gateway) {
    const reply = await json(target, '/webhook-endpoints', { method: 'POST', body: JSON.stringify(body) });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    return reply.body.result as { id: string; secret: string; url: string };
  }

  /** Runs every due delivery, and the ones that become due meanwhile, to the end. */
  async function deliverDue() {
    for (;;) {
      const started = await runner.sweep();
      await runner.idle();
      if (started === 0) return;
    }
  }

  /** An event stored as the change feed stores them (its deliveries in the same transaction). */
  async function storeEvent(type: 'employee.updated' | 'timeoff_request.approved' = 'employee.updated') {
    const [event] = await storage.database.db.transaction((tx) =>
      insertEvents(tx as never, {
        environmentId: acme.environmentId,
        linkedAccountId: acme.linkedAccountId,
        events: [{ type, data: { object: { id: `e${Math.random()}` }, previous_attributes: {} } }],
      }),
    );
    return event!;
  }

  async function storeEvents(count: number) {
    return storage.database.db.transaction((tx) =>
      insertEvents(tx as never, {
        environmentId: acme.environmentId,
        linkedAccountId: acme.linkedAccountId,
        events: Array.from({ length: count }, (_, index) => ({
          type: 'employee.updated' as const,
          data: { object: { id: `batch-${index}` }, previous_attributes: {} },
        })),
      }),
    );
  }

  async function deliveryRows(endpointId: string) {
    const rows = await storage.database.db.select().from(webhookDeliveries);
    return rows.filter((row) => row.endpointId === endpointId);
  }

  it('sandbox action → pass → signed deliveries that standardwebhooks verifies; tampering fails', async () => {
    const endpoint = await createEndpoint({
      url: `${receiver.url}/acme`,
      event_types: ['employee.*'],
      description: 'HR sync',
    });
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const { employee_id } = await action({
      action: 'hire_employee',
      first_name: 'Ada',
      last_name: 'Lovelace',
    });
    await syncNow();
    await deliverDue();

    const received = receiver.at('/acme');
    // At least once, not in order: attempts run concurrently.
    expect(received.map((request) => JSON.parse(request.body.toString()).type).sort()).toEqual([
      'employee.created',
      'employee.hired',
    ]);
    const verifier = new Webhook(endpoint.secret);
    for (const request of received) {
      const payload = verifier.verify(request.body.toString(), headersOf(request)) as { id: string };
      expect(headersOf(request)['webhook-id']).toBe(payload.id);
      // The body is the event exactly as the events API shows it.
      const stored = await json(gateway, `/events/${payload.id}`);
      expect(payload).toEqual(stored.body.result);
      expect(stored.body.result.data.object.id).toBe(employee_id);
    }

    const [first] = received;
    const tampered = first!.body.toString().replace('Ada', 'Eve');
    expect(() => verifier.verify(tampered, headersOf(first!))).toThrow(/signature/i);
    expect(() =>
      new Webhook(`whsec_${Buffer.from('another secret!!').toString('base64')}`).verify(
        first!.body.toString(),
        headersOf(first!),
      ),
    ).toThrow();
    // A captured delivery replayed ten minutes later is refused for its timestamp.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 10 * 60_000);
      expect(() => verifier.verify(first!.body.toString(), headersOf(first!))).toThrow(/too old/);
    } finally {
      vi.useRealTimers();
    }

    // The log shows the attempt; the secret is shown once and stored only encrypted.
    const log = await json(gateway, `/webhook-endpoints/${endpoint.id}/deliveries`);
    expect(log.status).toBe(200);
    expect(log.body.result).toHaveLength(2);
    expect(log.body.result[0]).toMatchObject({
      status: 'succeeded',
      attempt_count: 1,
      next_attempt_at: null,
    });
    expect(log.body.result[0].attempts[0]).toMatchObject({
      response_status: 200,
      response_body: 'ok',
      error: null,
    });
    const got = await json(gateway, `/webhook-endpoints/${endpoint.id}`);
    expect(got.body.result).toMatchObject({
      url: `${receiver.url}/acme`,
      enabled: true,
      description: 'HR sync',
    });
    expect(JSON.stringify(got.body)).not.toContain(endpoint.secret.slice(6));
    const [row] = await storage.database.db.select().from(webhookEndpoints);
    expect(row!.secret).toMatch(/^ey/);
    expect(row!.secret).not.toContain(endpoint.secret.slice(6));
  });

  it('writes deliveries in the transaction of their events: a rolled-back event leaves no delivery', async () => {
    const endpoint = await createEndpoint({
      url: `${receiver.url}/outbox`,
      event_types: ['employee.updated'],
    });
    await expect(
      storage.database.db.transaction(async (tx) => {
        await insertEvents(tx as never, {
          environmentId: acme.environmentId,
          linkedAccountId: acme.linkedAccountId,
          events: [{ type: 'employee.updated', data: { object: { id: 'rolled-back' } } }],
        });
        expect(
          (await (tx as never as typeof storage.database.db).select().from(webhookDeliveries)).length,
        ).toBe(1);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await deliveryRows(endpoint.id)).toHaveLength(0);
    const event = await storeEvent();
    const rows = await deliveryRows(endpoint.id);
    expect(rows.map((row) => row.eventId)).toEqual([event.id]);
    // Events that do not match (type) get no delivery.
    await storeEvent('timeoff_request.approved');
    expect(await deliveryRows(endpoint.id)).toHaveLength(1);
  });

  it("keeps environments apart: another environment's endpoint gets nothing and is 404", async () => {
    const mine = await createEndpoint({ url: `${receiver.url}/mine`, event_types: ['employee.*'] });
    const theirs = await createEndpoint(
      { url: `${receiver.url}/theirs`, event_types: ['employee.*'] },
      globexGateway,
    );
    await storeEvent();
    await deliverDue();
    expect(receiver.at('/mine')).toHaveLength(1);
    expect(receiver.at('/theirs')).toHaveLength(0);
    for (const [method, path] of [
      ['GET', `/webhook-endpoints/${mine.id}`],
      ['PATCH', `/webhook-endpoints/${mine.id}`],
      ['DELETE', `/webhook-endpoints/${mine.id}`],
      ['GET', `/webhook-endpoints/${mine.id}/deliveries`],
      ['POST', `/webhook-endpoints/${mine.id}/test`],
      ['POST', `/webhook-endpoints/${mine.id}/rotate-secret`],
    ] as const) {
      const reply = await json(globexGateway, path, {
        method,
        body: method === 'PATCH' ? '{"enabled":false}' : undefined,
      });
      expect(reply.status, `${method} ${path}`).toBe(404);
      expect(reply.body.error.code).toBe('not_found');
    }
    const [delivery] = await deliveryRows(mine.id);
    expect(
      (await json(globexGateway, `/webhook-deliveries/${delivery!.id}/retry`, { method: 'POST' })).status,
    ).toBe(404);
    const listed = await json(globexGateway, '/webhook-endpoints');
    expect(listed.body.result.map((endpoint: { id: string }) => endpoint.id)).toEqual([theirs.id]);
  });

  it('follows the retry schedule (fake clock), same webhook-id every time, then gives up', async () => {
    receiver.behaviour.set('/failing', 500);
    const endpoint = await createEndpoint({
      url: `${receiver.url}/failing`,
      event_types: ['employee.updated'],
    });
    const event = await storeEvent();
    let clock = new Date(Date.now() + 1000);
    const dispatcher = new WebhookDispatcher({ ...webhookDispatcher(services).deps, now: () => clock });
    const [delivery] = await deliveryRows(endpoint.id);
    const waits: number[] = [];
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      expect(await dispatcher.attempt(delivery!.id)).toBe(attempt < MAX_ATTEMPTS ? 'retrying' : 'failed');
      const [row] = (await deliveryRows(endpoint.id)).filter((entry) => entry.id === delivery!.id);
      expect(row!.attempts).toBe(attempt);
      if (attempt === MAX_ATTEMPTS) {
        expect(row!.status).toBe('failed');
        break;
      }
      waits.push(row!.nextAttemptAt!.getTime() - clock.getTime());
      // Not a moment early.
      clock = new Date(row!.nextAttemptAt!.getTime() - 1);
      expect(await dispatcher.attempt(delivery!.id)).toBe('skipped');
      clock = row!.nextAttemptAt!;
    }
    expect(waits).toEqual([...RETRY_DELAYS_MS]);
    const received = receiver.at('/failing');
    expect(received).toHaveLength(MAX_ATTEMPTS);
    expect(new Set(received.map((request) => headersOf(request)['webhook-id']))).toEqual(new Set([event.id]));
    const log = await json(gateway, `/webhook-endpoints/${endpoint.id}/deliveries`);
    expect(log.body.result[0]).toMatchObject({ status: 'failed', attempt_count: MAX_ATTEMPTS });
    expect(
      log.body.result[0].attempts.map((attempt: { response_status: number }) => attempt.response_status),
    ).toEqual(Array(MAX_ATTEMPTS).fill(500));
    // About 27.5 hours of failures is not yet 3 days: still on.
    expect((await json(gateway, `/webhook-endpoints/${endpoint.id}`)).body.result.enabled).toBe(true);

    // Failing on for 3 days turns it off, once, with a webhook_endpoint.disabled event others can receive.
    const watcher = await createEndpoint({
      url: `${receiver.url}/watcher`,
      event_types: ['webhook_endpoint.*'],
    });
    const start = clock.getTime();
    await storeEvent();
    clock = new Date(start + DISABLE_AFTER_FAILING_MS);
    const [, later] = (await deliveryRows(endpoint.id)).sort(
      (a, b) => a.createdAt.getTime() - b.createdAt.getTime(),
    );
    expect(await dispatcher.attempt(later!.id)).toBe('retrying');
    const off = await json(gateway, `/webhook-endpoints/${endpoint.id}`);
    expect(off.body.result).toMatchObject({ enabled: false, disabled_reason: 'failing' });
    const disabledEvents = await json(gateway, '/events?type=webhook_endpoint.disabled');
    expect(disabledEvents.body.result).toHaveLength(1);
    expect(disabledEvents.body.result[0]).toMatchObject({
      linked_account_id: null,
      data: { object: { id: endpoint.id, disabled_reason: 'failing' } },
    });
    await deliverDue();
    expect(receiver.at('/watcher').map((request) => headersOf(request)['webhook-id'])).toEqual([
      disabledEvents.body.result[0].id,
    ]);
    void watcher;
  });

  it('410 Gone disables the endpoint at once; retry sends the delivery again with the same webhook-id', async () => {
    receiver.behaviour.set('/gone', 410);
    const endpoint = await createEndpoint({ url: `${receiver.url}/gone`, event_types: ['employee.*'] });
    const event = await storeEvent();
    await deliverDue();
    expect(receiver.at('/gone')).toHaveLength(1);
    const after = await json(gateway, `/webhook-endpoints/${endpoint.id}`);
    expect(after.body.result).toMatchObject({ enabled: false, disabled_reason: 'gone' });
    const [delivery] = await deliveryRows(endpoint.id);
    expect(delivery!.status).toBe('failed');
    // Disabled: new events do not fan out to it.
    await storeEvent();
    expect(await deliveryRows(endpoint.id)).toHaveLength(1);

    // While it is disabled, a retry could never be sent: refused rather than accepted and dropped.
    const refused = await json(gateway, `/webhook-deliveries/${delivery!.id}/retry`, { method: 'POST' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('conflict');

    receiver.behaviour.set('/gone', 200);
    const enabled = await json(gateway, `/webhook-endpoints/${endpoint.id}`, {
      method: 'PATCH',
      body: JSON.stringify({ enabled: true }),
    });
    expect(enabled.body.result).toMatchObject({ enabled: true, disabled_reason: null });
    const retried = await json(gateway, `/webhook-deliveries/${delivery!.id}/retry`, { method: 'POST' });
    expect(retried.status).toBe(202);
    expect(retried.body.result).toMatchObject({ id: delivery!.id, status: 'pending' });
    await deliverDue();
    const received = receiver.at('/gone');
    expect(received).toHaveLength(2);
    expect(received.map((request) => headersOf(request)['webhook-id'])).toEqual([event.id, event.id]);
    const log = await json(gateway, `/webhook-endpoints/${endpoint.id}/deliveries`);
    expect(log.body.result[0]).toMatchObject({ status: 'succeeded', attempt_count: 2 });
  });

  it('replay re-sends exactly the matching events since the given instant', async () => {
    const before = await storeEvent('timeoff_request.approved');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const since = new Date();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const matching = [
      await storeEvent('timeoff_request.approved'),
      await storeEvent('timeoff_request.approved'),
    ];
    await storeEvent('employee.updated');
    const endpoint = await createEndpoint({
      url: `${receiver.url}/replay`,
      event_types: ['timeoff_request.*'],
      linked_account_ids: [acme.linkedAccountId],
    });
    const replay = await json(gateway, `/webhook-endpoints/${endpoint.id}/replay`, {
      method: 'POST',
      body: JSON.stringify({ since: since.toISOString() }),
    });
    expect(replay.status, JSON.stringify(replay.body)).toBe(202);
    expect(replay.body.result.deliveries).toBe(2);
    // An instant PostgreSQL cannot hold is the caller's mistake, not the gateway's.
    const yearZero = await json(gateway, `/webhook-endpoints/${endpoint.id}/replay`, {
      method: 'POST',
      body: JSON.stringify({ since: '0000-06-01T00:00:00Z' }),
    });
    expect(yearZero.status, JSON.stringify(yearZero.body)).toBe(400);
    expect(yearZero.body.error.code).toBe('invalid_request');
    await deliverDue();
    expect(
      receiver
        .at('/replay')
        .map((request) => headersOf(request)['webhook-id'])
        .sort(),
    ).toEqual(matching.map((event) => event.id).sort());
    expect(receiver.at('/replay').map((request) => headersOf(request)['webhook-id'])).not.toContain(
      before.id,
    );
    const bad = await json(gateway, `/webhook-endpoints/${endpoint.id}/replay`, {
      method: 'POST',
      body: JSON.stringify({ since: 'yesterday' }),
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe('since');
  });

  it('rotate-secret: both secrets sign for 24 hours; test ping is signed too', async () => {
    const endpoint = await createEndpoint({ url: `${receiver.url}/rotate`, event_types: ['employee.*'] });
    const rotated = await json(gateway, `/webhook-endpoints/${endpoint.id}/rotate-secret`, {
      method: 'POST',
    });
    expect(rotated.status).toBe(200);
    const fresh = rotated.body.result.secret as string;
    expect(fresh).not.toBe(endpoint.secret);
    const ping = await json(gateway, `/webhook-endpoints/${endpoint.id}/test`, { method: 'POST' });
    expect(ping.status).toBe(200);
    expect(ping.body.result).toMatchObject({ delivered: true, attempt: { response_status: 200 } });
    const [request] = receiver.at('/rotate');
    expect(String(headersOf(request!)['webhook-signature']).split(' ')).toHaveLength(2);
    expect(headersOf(request!)['webhook-id']).toBe(ping.body.result.id);
    for (const secret of [endpoint.secret, fresh]) {
      expect(new Webhook(secret).verify(request!.body.toString(), headersOf(request!))).toMatchObject({
        type: 'ping',
      });
    }
    // After the overlap only the new secret signs.
    const dispatcher = new WebhookDispatcher({
      ...webhookDispatcher(services).deps,
      now: () => new Date(Date.now() + 25 * 3_600_000),
    });
    await storeEvent();
    const [delivery] = await deliveryRows(endpoint.id);
    expect(await dispatcher.attempt(delivery!.id)).toBe('succeeded');
    const late = receiver.at('/rotate')[1]!;
    expect(String(headersOf(late)['webhook-signature']).split(' ')).toHaveLength(1);
    expect(() => new Webhook(endpoint.secret).verify(late.body.toString(), headersOf(late))).toThrow();
  });

  it('a hanging endpoint does not delay a healthy one (per-endpoint concurrency cap)', async () => {
    receiver.behaviour.set('/hang', 'hang');
    const slow = await createEndpoint({ url: `${receiver.url}/hang`, event_types: ['employee.updated'] });
    // A backlog for the slow endpoint alone, older than anything the healthy one will get.
    await storeEvents(300);
    await createEndpoint({ url: `${receiver.url}/healthy`, event_types: ['employee.updated'] });
    const events = await storeEvents(20);
    runner.start(50);
    // Every healthy delivery arrives while the hanging endpoint's first attempts are still open.
    await waitFor(
      async () => (receiver.at('/healthy').length === 20 ? true : undefined),
      'healthy deliveries',
    );
    const slowAttempts = (
      await json(gateway, `/webhook-endpoints/${slow.id}/deliveries?limit=200`)
    ).body.result.flatMap((delivery: { attempts: unknown[] }) => delivery.attempts);
    expect(slowAttempts).toHaveLength(0);
    expect(receiver.hanging.length).toBeGreaterThan(0);
    expect(receiver.maxHanging()).toBeLessThanOrEqual(4);
    expect(new Set(receiver.at('/healthy').map((request) => headersOf(request)['webhook-id']))).toEqual(
      new Set(events.map((event) => event.id)),
    );
    await runner.close(0);
    runner = new InProcessDeliveries(webhookDispatcher(services, 'test'), {
      concurrency: 32,
      logger: silentLogger,
    });
    for (const response of [...receiver.hanging]) response.destroy();
  });

  it('an endpoint deleted while an attempt is on its way: the attempt ends quietly', async () => {
    receiver.behaviour.set('/deleted', 'hang');
    const endpoint = await createEndpoint({ url: `${receiver.url}/deleted`, event_types: ['employee.*'] });
    await storeEvent();
    const [delivery] = await deliveryRows(endpoint.id);
    const attempt = webhookDispatcher(services).attempt(delivery!.id);
    await waitFor(
      async () => (receiver.at('/deleted').length > 0 ? true : undefined),
      'the attempt to arrive',
    );
    const deleted = await json(gateway, `/webhook-endpoints/${endpoint.id}`, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    for (const response of [...receiver.hanging]) response.destroy();
    await expect(attempt).resolves.toBe('retrying');
    expect(await deliveryRows(endpoint.id)).toHaveLength(0);
  });

  it('a retry asked for while an attempt is in flight still happens after that attempt ends', async () => {
    receiver.behaviour.set('/in-flight', 'hang');
    const endpoint = await createEndpoint({ url: `${receiver.url}/in-flight`, event_types: ['employee.*'] });
    const event = await storeEvent();
    const [delivery] = await deliveryRows(endpoint.id);
    const attempt = webhookDispatcher(services).attempt(delivery!.id);
    await waitFor(
      async () => (receiver.at('/in-flight').length > 0 ? true : undefined),
      'the attempt to arrive',
    );
    const retried = await json(gateway, `/webhook-deliveries/${delivery!.id}/retry`, { method: 'POST' });
    expect(retried.status).toBe(202);
    // The attempt in flight then succeeds: it is recorded, and the retry asked for meanwhile still stands.
    receiver.behaviour.set('/in-flight', 200);
    for (const response of [...receiver.hanging]) response.writeHead(200).end('ok');
    await expect(attempt).resolves.toBe('succeeded');
    const [row] = await deliveryRows(endpoint.id);
    expect(row).toMatchObject({ status: 'pending', attempts: 1, leaseOwner: null });
    expect(row!.nextAttemptAt!.getTime()).toBeLessThanOrEqual(Date.now());
    await deliverDue();
    expect(receiver.at('/in-flight').map((request) => headersOf(request)['webhook-id'])).toEqual([
      event.id,
      event.id,
    ]);
    const log = await json(gateway, `/webhook-endpoints/${endpoint.id}/deliveries`);
    expect(log.body.result[0]).toMatchObject({ status: 'succeeded', attempt_count: 2 });
  });

  it('a failing endpoint gets at most its cap of attempts at once; the rest of its batch is let go unsent', async () => {
    receiver.behaviour.set('/erroring', 503);
    const endpoint = await createEndpoint({
      url: `${receiver.url}/erroring`,
      event_types: ['employee.updated'],
    });
    await storeEvents(40);
    expect(await runner.sweep()).toBe(1);
    await runner.idle();
    const rows = await deliveryRows(endpoint.id);
    const attempted = rows.filter((row) => row.attempts > 0);
    expect(attempted.length).toBeGreaterThan(0);
    expect(attempted.length).toBeLessThanOrEqual(4);
    expect(receiver.at('/erroring')).toHaveLength(attempted.length);
    // Nothing stays leased: the unsent deliveries are due for the next run, the failed ones wait 5 s.
    expect(rows.every((row) => row.status === 'pending' && row.leaseOwner === null)).toBe(true);
    for (const row of attempted) expect(row.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now());
  });

  it('refuses SSRF targets at creation: http, private, loopback, link-local and metadata addresses', async () => {
    const production = await startGateway(storage, sandbox, acme, { ...UNPACED, builtInSandbox: true });
    expect(production.deps.config.webhooks.targets).toBe(backend === 'pglite' ? 'loopback' : 'public');
    const strict = await startGateway(storage, sandbox, acme, {
      ...UNPACED,
      env: { ...UNPACED.env, WEBHOOK_TARGETS: 'public' },
      webhookSender: nodeWebhookSender('public', {
        resolve: (hostname, callback) =>
          callback(null, [
            { address: hostname === 'internal.example' ? '127.0.0.1' : '93.184.216.34', family: 4 },
          ]),
      }),
    });
    for (const url of [
      'http://hooks.example.com/roster',
      'https://127.0.0.1/hook',
      'https://localhost:8443/hook',
      'https://10.1.2.3/hook',
      'https://192.168.0.10/hook',
      'https://169.254.169.254/latest/meta-data',
      'https://[::1]/hook',
      'https://[::ffff:127.0.0.1]/hook',
      'https://[fd00:ec2::254]/hook',
      'https://internal.example/hook',
      'ftp://hooks.example.com/',
      'not a url',
    ]) {
      const reply = await json(strict, '/webhook-endpoints', {
        method: 'POST',
        body: JSON.stringify({ url, event_types: ['employee.*'] }),
      });
      expect(reply.status, url).toBe(400);
      expect(reply.body.error.code).toBe('invalid_request');
      expect(reply.body.error.details[0].field, url).toBe('url');
    }
    const ok = await json(strict, '/webhook-endpoints', {
      method: 'POST',
      body: JSON.stringify({ url: 'https://hooks.example.com/roster', event_types: ['employee.*'] }),
    });
    expect(ok.status).toBe(201);
    const patched = await json(strict, `/webhook-endpoints/${ok.body.result.id}`, {
      method: 'PATCH',
      body: JSON.stringify({ url: 'https://10.0.0.5/' }),
    });
    expect(patched.status).toBe(400);
    expect(patched.body.error.details[0].field).toBe('url');
  });

  it('refuses at delivery a name that resolves to loopback by then (no rebinding), and never follows redirects', async () => {
    let lookups = 0;
    const rebinding = nodeWebhookSender('public', {
      // Public when the endpoint is created, loopback (where the receiver listens) when it is connected to.
      resolve: (_hostname, callback) =>
        callback(null, [{ address: lookups++ === 0 ? '93.184.216.34' : '127.0.0.1', family: 4 }]),
    });
    try {
      const strict = await startGateway(storage, sandbox, acme, {
        ...UNPACED,
        env: { ...UNPACED.env, WEBHOOK_TARGETS: 'public' },
        webhookSender: rebinding,
      });
      const created = await json(strict, '/webhook-endpoints', {
        method: 'POST',
        body: JSON.stringify({
          url: `https://rebind.example:${receiver.port}/rebind`,
          event_types: ['employee.*'],
        }),
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      await storeEvent();
      const dispatcher = webhookDispatcher(await createServices(strict.deps));
      const [delivery] = await deliveryRows(created.body.result.id);
      expect(await dispatcher.attempt(delivery!.id)).toBe('retrying');
      const log = await json(strict, `/webhook-endpoints/${created.body.result.id}/deliveries`);
      expect(log.body.result[0].attempts[0]).toMatchObject({ response_status: null });
      expect(log.body.result[0].attempts[0].error).toMatch(/refused by egress policy.*loopback/);
      expect(receiver.at('/rebind')).toHaveLength(0);
    } finally {
      await rebinding.close();
    }

    // Where loopback is allowed, a redirect is an answer like any other non-2xx: its target gets nothing.
    receiver.behaviour.set('/redirect', { redirect: `${receiver.url}/redirect-target` });
    const endpoint = await createEndpoint({ url: `${receiver.url}/redirect`, event_types: ['employee.*'] });
    await storeEvent();
    await deliverDue();
    expect(receiver.at('/redirect')).toHaveLength(1);
    expect(receiver.at('/redirect-target')).toHaveLength(0);
    const log = await json(gateway, `/webhook-endpoints/${endpoint.id}/deliveries`);
    expect(log.body.result[0]).toMatchObject({ status: 'pending', attempt_count: 1 });
    expect(log.body.result[0].attempts[0].response_status).toBe(302);
  });

  it('validates endpoint bodies with errors that name the field', async () => {
    for (const [body, field] of [
      [{ url: `${receiver.url}/x`, event_types: [] }, 'event_types'],
      [{ url: `${receiver.url}/x`, event_types: ['employee.exploded'] }, 'event_types.0'],
      [
        {
          url: `${receiver.url}/x`,
          event_types: ['employee.*'],
          linked_account_ids: [globex.linkedAccountId],
        },
        'linked_account_ids.0',
      ],
      [{ event_types: ['employee.*'] }, 'url'],
    ] as const) {
      const reply = await json(gateway, '/webhook-endpoints', { method: 'POST', body: JSON.stringify(body) });
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.body.error.details[0].field).toBe(field);
    }
    const created = [];
    for (let index = 0; index < 3; index++)
      created.push(await createEndpoint({ url: `${receiver.url}/p${index}`, event_types: ['employee.*'] }));
    const first = await json(gateway, '/webhook-endpoints?limit=2');
    const second = await json(
      gateway,
      `/webhook-endpoints?limit=2&cursor=${encodeURIComponent(first.body.next_cursor)}`,
    );
    expect(
      [...first.body.result, ...second.body.result].map((endpoint: { id: string }) => endpoint.id),
    ).toEqual(created.map((endpoint) => endpoint.id).reverse());
    expect(second.body.next_cursor).toBeNull();
    expect(JSON.stringify(first.body)).not.toContain('whsec_');
    const deleted = await json(gateway, `/webhook-endpoints/${created[0]!.id}`, { method: 'DELETE' });
    expect(deleted.body.result).toEqual({ id: created[0]!.id, deleted: true });
    expect((await json(gateway, `/webhook-endpoints/${created[0]!.id}`)).status).toBe(404);
  });
});
