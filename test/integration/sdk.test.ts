import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRoster,
  type Employee,
  type Roster,
  RosterError,
  type TimeoffRequest,
  verifyWebhook,
  WebhookVerificationError,
} from '../../sdk/index';
import type { PersonioSandbox } from '../../src/sandbox/personio';
import type { WebhookRequest } from '../../src/webhooks/sender';
import { signWebhook } from '../../src/webhooks/signing';
import {
  createPersonioSandbox,
  createTenant,
  openStorage,
  type Storage,
  type Tenant,
  type TestGateway,
} from '../support/gateway';
import { type HttpGateway, serveGateway } from '../support/http-gateway';

const POST_TIME_OFFS = 'POST /v1/company/time-offs';

describe('the TypeScript SDK against a gateway over HTTP', () => {
  let storage: Storage;
  let sandbox: PersonioSandbox;
  let gateway: HttpGateway;
  let tenant: Tenant;
  let roster: Roster;
  const sentWebhooks: WebhookRequest[] = [];

  beforeAll(async () => {
    storage = await openStorage('postgres');
    sandbox = createPersonioSandbox({ employees: 12, seed: 17 });
    gateway = await serveGateway(storage, sandbox, {
      // Webhooks are captured where they would leave the process, signed by the gateway's own code.
      webhookSender: {
        targetProblem: async () => null,
        send: async (request) => {
          sentWebhooks.push(request);
          return { status: 204, body: '', latencyMs: 1 };
        },
      },
    });
    tenant = await createTenant({ deps: gateway.deps } as TestGateway);
    roster = createRoster({ apiKey: tenant.apiKey, baseUrl: gateway.url });
  });

  afterAll(async () => {
    await gateway?.close();
    await storage?.close();
  });

  /** The same list walked with plain fetch, following `next_cursor`. */
  async function rawWalk<Item>(path: string): Promise<Item[]> {
    const items: Item[] = [];
    let cursor: string | null = null;
    do {
      const url = new URL(path, gateway.url);
      if (cursor) url.searchParams.set('cursor', cursor);
      const response = await fetch(url, {
        headers: { authorization: `Bearer ${tenant.apiKey}`, 'x-linked-account-id': tenant.linkedAccountId },
      });
      expect(response.status).toBe(200);
      const page = (await response.json()) as { result: Item[]; next_cursor: string | null };
      items.push(...page.result);
      cursor = page.next_cursor;
    } while (cursor);
    return items;
  }

  it('walks every list with for await, page by page, the same records as a raw cursor walk', async () => {
    const linkedAccountId = tenant.linkedAccountId;
    const employees: Employee[] = [];
    for await (const employee of roster.employees.list({ linkedAccountId, limit: 5 }))
      employees.push(employee);
    expect(employees).toHaveLength(12);
    expect(employees).toEqual(await rawWalk<Employee>('/unified/hris/employees?limit=5'));

    const window = { start_date: '2026-01-01', end_date: '2026-12-31', limit: 10 };
    const requests = await roster.timeoffRequests.list({ linkedAccountId, ...window }).all();
    expect(requests.length).toBeGreaterThan(10);
    expect(requests).toEqual(
      await rawWalk<TimeoffRequest>(
        '/unified/hris/timeoff-requests?start_date=2026-01-01&end_date=2026-12-31&limit=10',
      ),
    );

    const types = await roster.timeoffTypes.list({ linkedAccountId, limit: 2 }).all();
    expect(types.map((type) => type.id)).toEqual(
      (await rawWalk<{ id: string }>('/unified/hris/timeoff-types?limit=2')).map((type) => type.id),
    );
    const balances = await roster.timeoffBalances.list({ linkedAccountId, limit: 5 }).all();
    expect(balances).toEqual(await rawWalk('/unified/hris/timeoff-balances?limit=5'));

    const firstPage = await roster.employees.list({ linkedAccountId, limit: 5 }).page();
    expect(firstPage.result).toEqual(employees.slice(0, 5));
    expect(firstPage.next_cursor).toEqual(expect.any(String));
    expect((await roster.linkedAccounts.list().all()).map((account) => account.id)).toEqual([
      linkedAccountId,
    ]);
  });

  it('gets one employee', async () => {
    const id = String(sandbox.employeeIds()[3]);
    const employee = await roster.employees.get({ linkedAccountId: tenant.linkedAccountId, id });
    expect(employee.id).toBe(id);
    expect(employee.work_email).toEqual(expect.stringContaining('@'));
  });

  it('creates a time-off request with an idempotency key, and the same key replays it', async () => {
    sandbox.resetStats();
    const body = {
      linkedAccountId: tenant.linkedAccountId,
      employee_id: String(sandbox.employeeIds()[2]),
      timeoff_type_id: '301',
      start_date: '2033-03-07',
      end_date: '2033-03-08',
      start_half_day: false,
      end_half_day: false,
      skip_approval: false,
    };
    const first = await roster.timeoffRequests.create({ ...body, idempotencyKey: 'sdk-test-create-1' });
    expect(first).toMatchObject({ replayed: false, idempotencyKey: 'sdk-test-create-1' });
    expect(first.result).toMatchObject({
      start_date: '2033-03-07',
      end_date: '2033-03-08',
      status: 'requested',
    });
    const again = await roster.timeoffRequests.create({ ...body, idempotencyKey: 'sdk-test-create-1' });
    expect(again).toMatchObject({ replayed: true, result: { id: first.result.id } });
    expect(sandbox.stats.byRoute[POST_TIME_OFFS]).toBe(1);

    // The same key with another body is the gateway's 409, as a typed error.
    const conflict = await roster.timeoffRequests
      .create({ ...body, end_date: '2033-03-09', idempotencyKey: 'sdk-test-create-1' })
      .catch((error: unknown) => error);
    expect(conflict).toBeInstanceOf(RosterError);
    expect(conflict).toMatchObject({ status: 409, code: 'conflict' });
  });

  it('generates a key when none is given and reuses it when it retries a lost answer', async () => {
    sandbox.resetStats();
    const sentKeys: (string | null)[] = [];
    let dropped = false;
    const flaky = createRoster({
      apiKey: tenant.apiKey,
      baseUrl: gateway.url,
      maxRetryDelayMs: 50,
      fetch: async (request) => {
        sentKeys.push(request.headers.get('idempotency-key'));
        const response = await fetch(request);
        if (request.method === 'POST' && !dropped) {
          // The write reached the gateway (and Personio), but its answer is lost on the way back.
          dropped = true;
          await response.body?.cancel();
          throw new TypeError('fetch failed: connection reset');
        }
        return response;
      },
    });
    const created = await flaky.timeoffRequests.create({
      linkedAccountId: tenant.linkedAccountId,
      employee_id: String(sandbox.employeeIds()[4]),
      timeoff_type_id: '301',
      start_date: '2033-04-04',
      end_date: '2033-04-04',
      start_half_day: false,
      end_half_day: false,
      skip_approval: true,
    });
    expect(sentKeys).toHaveLength(2);
    expect(sentKeys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(sentKeys[1]).toBe(sentKeys[0]);
    expect(created).toMatchObject({
      replayed: true,
      idempotencyKey: sentKeys[0],
      result: { status: 'approved' },
    });
    expect(sandbox.stats.byRoute[POST_TIME_OFFS]).toBe(1);
  });

  it('throws RosterError with the envelope for an error answer', async () => {
    const error = await roster.employees
      .get({ linkedAccountId: 'la_doesnotexist', id: '1' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RosterError);
    const rosterError = error as RosterError;
    expect(rosterError).toMatchObject({ status: 404, code: 'not_found' });
    expect(rosterError.requestId).toMatch(/^req_/);
    expect(rosterError.body?.error.message).toContain('la_doesnotexist');

    const invalid = await createRoster({ apiKey: 'sk_test_wrong', baseUrl: gateway.url })
      .employees.list({ linkedAccountId: tenant.linkedAccountId })
      .page()
      .catch((caught: unknown) => caught);
    expect(invalid).toMatchObject({ name: 'RosterError', status: 401, code: 'unauthorized' });
  });

  it('verifies webhooks the gateway signs and refuses tampered ones', async () => {
    const created = await roster.api.POST('/webhook-endpoints', {
      body: { url: 'https://receiver.example.com/hooks', event_types: ['employee.*'] },
    });
    expect(created.response.status).toBe(201);
    const { id, secret } = created.data!.result;
    const ping = await roster.api.POST('/webhook-endpoints/{id}/test', { params: { path: { id } } });
    expect(ping.response.status).toBe(200);
    const sent = sentWebhooks.at(-1)!;
    expect(verifyWebhook(secret, sent.body, sent.headers)).toMatchObject({ type: 'ping' });
    expect(verifyWebhook(secret, sent.body, new Headers(sent.headers))).toMatchObject({ type: 'ping' });

    expect(() => verifyWebhook(secret, `${sent.body} `, sent.headers)).toThrow(WebhookVerificationError);
    const otherSecret = signWebhook({
      secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
      id: 'evt_x',
      timestamp: new Date(),
      payload: sent.body,
    });
    expect(() => verifyWebhook(secret, sent.body, { ...otherSecret })).toThrow(WebhookVerificationError);
    const stale = signWebhook({
      secrets: [secret],
      id: 'evt_x',
      timestamp: new Date(Date.now() - 3_600_000),
      payload: sent.body,
    });
    expect(() => verifyWebhook(secret, sent.body, { ...stale })).toThrow(WebhookVerificationError);
  });
});
