import { describe, expect, it } from 'vitest';
import {
  createPersonioSandbox,
  type PersonioSandbox,
  SANDBOX_CREDENTIALS,
  type WebhookTransport,
} from '../../src/sandbox/personio/index';
import { bearer, getJson, tokenFor } from './sandbox-client';

/**
 * A hire or termination entered ahead of its date changes the status when the simulator clock reaches the
 * date, without an edit (so `last_modified_at`/`updated_at` stay), and fires `employment.started` /
 * `employment.terminated` then (REFERENCE addendum: "fired on the effective date").
 */

const BASE = 'http://sandbox.test';
const DAY_MS = 86_400_000;
// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted on structurally.
type Json = any;

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Deliveries go nowhere: the events API is what the tests read. */
const silentTransport: WebhookTransport = { send: async () => ({ status: 200 }) };

async function setUp(now?: () => Date) {
  // Tokens outlive the clock moves below (Personio's last 24 h).
  const sandbox = createPersonioSandbox({
    employees: 20,
    seed: 5,
    now,
    webhookTransport: silentTransport,
    tokenTtlSeconds: 90 * 86_400,
  });
  const v1Token = await tokenFor(sandbox, SANDBOX_CREDENTIALS.full);
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: SANDBOX_CREDENTIALS.full.clientId,
    client_secret: SANDBOX_CREDENTIALS.full.clientSecret,
  });
  const tokenReply = await sandbox.fetch(
    new Request(`${BASE}/v2/auth/token`, { method: 'POST', body: form }),
  );
  const v2Token = ((await tokenReply.json()) as Json).access_token as string;
  const hook = await v2(sandbox, v2Token, 'POST', '/v2/webhooks', {
    url: 'https://hooks.example.test/personio',
    status: 'ENABLED',
    auth_type: 'NONE',
    enabled_events: [
      'employment.started',
      'employment.terminated',
      'employment.updated',
      'employment.created',
    ],
  });
  expect(hook.status, JSON.stringify(hook.body)).toBe(201);
  return { sandbox, v1Token, v2Token, webhookId: hook.body.id as string };
}

async function v2(sandbox: PersonioSandbox, token: string, method: string, path: string, json?: unknown) {
  const response = await sandbox.fetch(
    new Request(`${BASE}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: json === undefined ? undefined : JSON.stringify(json),
    }),
  );
  return { status: response.status, body: (await response.json()) as Json };
}

async function sandboxWrite(
  sandbox: PersonioSandbox,
  token: string,
  method: string,
  path: string,
  json: unknown,
) {
  const response = await sandbox.fetch(
    new Request(`${BASE}/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(json),
    }),
  );
  expect(response.status).toBeLessThan(300);
  return (await response.json()) as Json;
}

/** What v1 and v2 say about one person. */
async function look(setup: Awaited<ReturnType<typeof setUp>>, id: number) {
  const v1 = await getJson(setup.sandbox, `/company/employees/${id}`, bearer(setup.v1Token));
  const person = await v2(setup.sandbox, setup.v2Token, 'GET', `/v2/persons/${id}`);
  const employments = await v2(setup.sandbox, setup.v2Token, 'GET', `/v2/persons/${id}/employments`);
  const attributes = v1.body.data.attributes;
  return {
    v1Status: attributes.status.value as string,
    lastModifiedAt: attributes.last_modified_at.value as string,
    personStatus: person.body.status as string,
    personUpdatedAt: person.body.updated_at as string,
    employmentStatus: employments.body._data[0].status as string,
    employmentUpdatedAt: employments.body._data[0].updated_at as string,
  };
}

async function eventNames(setup: Awaited<ReturnType<typeof setUp>>) {
  const reply = await v2(
    setup.sandbox,
    setup.v2Token,
    'GET',
    `/v2/webhooks/${setup.webhookId}/events?limit=200`,
  );
  expect(reply.status).toBe(200);
  return (reply.body._data as Json[]).map((event) => event.event_name as string);
}

describe('sandbox: statuses that take effect by date', () => {
  it('a termination dated tomorrow turns the person inactive when the clock passes it, without an edit', async () => {
    const setup = await setUp();
    const id = setup.sandbox.employeeIds()[3]!;
    const before = await look(setup, id);
    expect(before.v1Status).toBe('active');
    await sandboxWrite(setup.sandbox, setup.v1Token, 'PATCH', `/_sandbox/employees/${id}`, {
      termination_date: dayOf(Date.now() + DAY_MS),
    });
    const entered = await look(setup, id);
    expect([entered.v1Status, entered.personStatus, entered.employmentStatus]).toEqual([
      'active',
      'ACTIVE',
      'ACTIVE',
    ]);
    expect(await eventNames(setup)).toEqual(['employment.updated']);

    setup.sandbox.advanceClock(2 * DAY_MS);
    const after = await look(setup, id);
    expect([after.v1Status, after.personStatus, after.employmentStatus]).toEqual([
      'inactive',
      'INACTIVE',
      'INACTIVE',
    ]);
    // Nobody edited the record that day: the change filters do not see it.
    expect(after.lastModifiedAt).toBe(entered.lastModifiedAt);
    expect(after.personUpdatedAt).toBe(entered.personUpdatedAt);
    expect(after.employmentUpdatedAt).toBe(entered.employmentUpdatedAt);
    const since = encodeURIComponent(dayOf(Date.now() + DAY_MS));
    const changed = await getJson(
      setup.sandbox,
      `/company/employees?updated_since=${since}&limit=100`,
      bearer(setup.v1Token),
    );
    expect(changed.body.data).toEqual([]);
    expect(await eventNames(setup)).toEqual(['employment.updated', 'employment.terminated']);

    // Fired once: later requests and clock moves do not repeat it.
    setup.sandbox.advanceClock(DAY_MS);
    await look(setup, id);
    expect(await eventNames(setup)).toEqual(['employment.updated', 'employment.terminated']);
  });

  it('a hire dated ahead is onboarding until its date, then active, and fires employment.started then', async () => {
    const setup = await setUp();
    const hired = await sandboxWrite(setup.sandbox, setup.v1Token, 'POST', '/_sandbox/employees', {
      first_name: 'Future',
      last_name: 'Hire',
      hire_date: dayOf(Date.now() + 3 * DAY_MS),
    });
    const id = hired.data.id as number;
    const entered = await look(setup, id);
    expect([entered.v1Status, entered.personStatus, entered.employmentStatus]).toEqual([
      'onboarding',
      'ACTIVE',
      'ONBOARDING',
    ]);
    setup.sandbox.advanceClock(2 * DAY_MS);
    expect((await look(setup, id)).v1Status).toBe('onboarding');
    expect(await eventNames(setup)).toEqual(['employment.created']);

    setup.sandbox.advanceClock(DAY_MS);
    const after = await look(setup, id);
    expect([after.v1Status, after.employmentStatus]).toEqual(['active', 'ACTIVE']);
    expect(after.lastModifiedAt).toBe(entered.lastModifiedAt);
    expect(after.employmentUpdatedAt).toBe(entered.employmentUpdatedAt);
    expect(await eventNames(setup)).toEqual(['employment.created', 'employment.started']);
  });

  it('a clock given as the `now` option is read on every request: moving it is enough', async () => {
    let clock = Date.now();
    const setup = await setUp(() => new Date(clock));
    const id = setup.sandbox.employeeIds()[4]!;
    await sandboxWrite(setup.sandbox, setup.v1Token, 'PATCH', `/_sandbox/employees/${id}`, {
      termination_date: dayOf(clock + DAY_MS),
    });
    expect((await look(setup, id)).v1Status).not.toBe('inactive');
    clock += 2 * DAY_MS;
    expect((await look(setup, id)).v1Status).toBe('inactive');
    expect(await eventNames(setup)).toContain('employment.terminated');
  });

  it('a start moved by HR setting the status no longer fires; seeded people keep their seeded status', async () => {
    const setup = await setUp();
    const hired = await sandboxWrite(setup.sandbox, setup.v1Token, 'POST', '/_sandbox/employees', {
      first_name: 'Set',
      last_name: 'Active',
      hire_date: dayOf(Date.now() + DAY_MS),
    });
    await sandboxWrite(setup.sandbox, setup.v1Token, 'PATCH', `/_sandbox/employees/${hired.data.id}`, {
      status: 'leave',
    });
    // The seed is a snapshot anchored in early 2026: its onboarding people keep their status whatever the clock.
    const seeded = await getJson(setup.sandbox, '/company/employees?limit=20', bearer(setup.v1Token));
    const seededOnboarding = (seeded.body.data as Json[]).filter(
      (employee) => employee.attributes.status.value === 'onboarding',
    );
    setup.sandbox.advanceClock(30 * DAY_MS);
    expect((await look(setup, hired.data.id)).v1Status).toBe('leave');
    const later = await getJson(setup.sandbox, '/company/employees?limit=20', bearer(setup.v1Token));
    expect(
      (later.body.data as Json[]).filter((employee) => employee.attributes.status.value === 'onboarding')
        .length,
    ).toBe(seededOnboarding.length);
    expect(await eventNames(setup)).not.toContain('employment.started');
  });
});
