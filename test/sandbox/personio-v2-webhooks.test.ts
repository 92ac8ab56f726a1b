import { Ajv } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPersonioSandbox,
  type PersonioSandbox,
  SANDBOX_CREDENTIALS,
  SANDBOX_NO_WEBHOOKS_CREDENTIAL,
  type SandboxCredential,
} from '../../src/sandbox/personio/index';
import { type RecordedRequest, recordingServer } from '../support/http-servers';
import { waitUntil } from '../support/wait';
import { describeErrors, type Json, loadSpec } from './personio-openapi';
import { tokenFor } from './sandbox-client';

/**
 * The simulator's Personio v2 webhooks: management (REFERENCE §6), delivery to a real receiver on
 * 127.0.0.1 (token, retries on a shrunk schedule, no retry on 501, no redirects), the events API, and the
 * outage switch. No spec file covers webhooks: the shapes below are REFERENCE §6's, errors are checked
 * against the common v2 ErrorResponse.
 */

const BASE = 'http://sandbox.test';
const common = loadSpec('common-components-v2.json');
const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false });
(addFormatsPlugin as unknown as (instance: Ajv) => Ajv)(ajv);
ajv.addVocabulary(['example']);
const validateProblem = ajv.compile(
  JSON.parse(
    JSON.stringify(common.components.schemas.ErrorResponse).replaceAll('#/components/schemas/', '#/$defs/'),
  ),
);
const WEBHOOK = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'url', 'description', 'status', 'auth_type', 'enabled_events', 'created_at', 'updated_at'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    url: { type: 'string', format: 'uri' },
    description: { type: ['string', 'null'] },
    status: { enum: ['ENABLED', 'DISABLED'] },
    auth_type: { enum: ['TOKEN', 'NONE', 'CUSTOM'] },
    enabled_events: { type: 'array', minItems: 1, items: { type: 'string' } },
    custom_headers: { type: 'object', maxProperties: 3, additionalProperties: { const: '********' } },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
  },
};
const EVENT = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'company_id', 'event_name', 'occurred_at', 'payload', 'delivery'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    company_id: { type: 'string' },
    event_name: { type: 'string' },
    occurred_at: { type: 'string', format: 'date-time' },
    payload: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } },
    delivery: {
      type: 'object',
      additionalProperties: false,
      required: ['status', 'attempts', 'last_attempt_at', 'last_response_status'],
      properties: {
        status: { enum: ['PENDING', 'DELIVERED', 'FAILED', 'DROPPED'] },
        attempts: { type: 'integer' },
        last_attempt_at: { type: ['string', 'null'], format: 'date-time' },
        last_response_status: { type: ['integer', 'null'] },
      },
    },
  },
};
/** What Personio POSTs (REFERENCE §6): ids only. */
const DELIVERY_BODY = {
  type: 'object',
  additionalProperties: false,
  required: ['company_id', 'event_name', 'occurred_at', 'payload'],
  properties: {
    company_id: { type: 'string' },
    event_name: { type: 'string' },
    occurred_at: { type: 'string', format: 'date-time' },
    payload: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } },
  },
};
const LINK = {
  type: 'object',
  required: ['href'],
  additionalProperties: false,
  properties: { href: { type: 'string', format: 'uri' } },
};
const list = (item: Json) => ({
  type: 'object',
  required: ['_data', '_meta'],
  properties: {
    _data: { type: 'array', items: item },
    _meta: {
      type: 'object',
      required: ['links'],
      properties: {
        links: {
          type: 'object',
          required: ['self'],
          properties: { self: LINK, next: LINK },
          additionalProperties: false,
        },
      },
    },
  },
});
const validateWebhook = ajv.compile(WEBHOOK);
const validateWebhookList = ajv.compile(list(WEBHOOK));
const validateEventList = ajv.compile(list(EVENT));
const validateDelivery = ajv.compile(DELIVERY_BODY);

function expectValid(validate: ReturnType<Ajv['compile']>, body: unknown): void {
  expect(validate(body), describeErrors(validate)).toBe(true);
}

interface Reply {
  status: number;
  type: string | null;
  body: Json;
}

async function v2Token(sandbox: PersonioSandbox, credential: SandboxCredential, scope?: string) {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: credential.clientId,
    client_secret: credential.clientSecret,
  });
  if (scope) form.set('scope', scope);
  const response = await sandbox.fetch(new Request(`${BASE}/v2/auth/token`, { method: 'POST', body: form }));
  const body = (await response.json()) as Json;
  if (response.status !== 200) throw new Error(`token: ${response.status} ${JSON.stringify(body)}`);
  return body.access_token as string;
}

async function call(
  sandbox: PersonioSandbox,
  token: string,
  method: string,
  path: string,
  json?: unknown,
): Promise<Reply> {
  const response = await sandbox.fetch(
    new Request(path.startsWith('http') ? path : `${BASE}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(json === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: json === undefined ? undefined : typeof json === 'string' ? json : JSON.stringify(json),
    }),
  );
  const text = await response.text();
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    body: text ? JSON.parse(text) : null,
  };
}

function expectProblem(reply: Reply, status: number): void {
  expect(reply.status, JSON.stringify(reply.body)).toBe(status);
  expect(reply.type).toBe('application/problem+json');
  expectValid(validateProblem, reply.body);
}

describe('Personio v2 webhook management', () => {
  const sandbox = createPersonioSandbox({ employees: 20, seed: 5 });
  let token = '';

  beforeAll(async () => {
    token = await v2Token(sandbox, SANDBOX_CREDENTIALS.full);
  });
  afterAll(() => sandbox.webhooks.stop());

  it('creates, reads, lists, updates and deletes a webhook, never showing its token', async () => {
    const created = await call(sandbox, token, 'POST', '/v2/webhooks', {
      url: 'https://receiver.test/hooks/a',
      description: 'Roster',
      status: 'ENABLED',
      auth_type: 'TOKEN',
      token: 'Bearer top-secret-1',
      enabled_events: ['person.created', 'person.updated', 'person.created'],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expectValid(validateWebhook, created.body);
    expect(created.body).toMatchObject({
      url: 'https://receiver.test/hooks/a',
      description: 'Roster',
      status: 'ENABLED',
      auth_type: 'TOKEN',
      enabled_events: ['person.created', 'person.updated'],
    });
    expect(JSON.stringify(created.body)).not.toContain('top-secret');
    const id = created.body.id as string;

    const fetched = await call(sandbox, token, 'GET', `/v2/webhooks/${id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(created.body);

    const patched = await call(sandbox, token, 'PATCH', `/v2/webhooks/${id}`, {
      status: 'DISABLED',
      enabled_events: ['absence-period.created'],
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expectValid(validateWebhook, patched.body);
    expect(patched.body).toMatchObject({ status: 'DISABLED', enabled_events: ['absence-period.created'] });

    const custom = await call(sandbox, token, 'PATCH', `/v2/webhooks/${id}`, {
      auth_type: 'CUSTOM',
      custom_headers: { 'X-Roster-Key': 'header-secret' },
    });
    expect(custom.status, JSON.stringify(custom.body)).toBe(200);
    expectValid(validateWebhook, custom.body);
    expect(custom.body.custom_headers).toEqual({ 'X-Roster-Key': '********' });
    expect(JSON.stringify(custom.body)).not.toContain('header-secret');

    const deleted = await call(sandbox, token, 'DELETE', `/v2/webhooks/${id}`);
    expect(deleted.status).toBe(204);
    expectProblem(await call(sandbox, token, 'GET', `/v2/webhooks/${id}`), 404);
    expectProblem(await call(sandbox, token, 'DELETE', `/v2/webhooks/${id}`), 404);
  });

  it('lists with status and event filters and cursor pages of at most 200', async () => {
    const ids: string[] = [];
    for (let index = 0; index < 7; index++) {
      const reply = await call(sandbox, token, 'POST', '/v2/webhooks', {
        url: `https://receiver.test/list/${index}`,
        status: index % 2 === 0 ? 'ENABLED' : 'DISABLED',
        auth_type: 'NONE',
        enabled_events: [index < 3 ? 'person.updated' : 'absence-period.deleted'],
      });
      expect(reply.status, JSON.stringify(reply.body)).toBe(201);
      ids.push(reply.body.id);
    }
    const walked: string[] = [];
    let next: string | undefined = '/v2/webhooks?limit=3';
    while (next) {
      const page = await call(sandbox, token, 'GET', next);
      expect(page.status, JSON.stringify(page.body)).toBe(200);
      expectValid(validateWebhookList, page.body);
      expect(page.body._data.length).toBeLessThanOrEqual(3);
      walked.push(...page.body._data.map((webhook: Json) => webhook.id));
      next = page.body._meta.links.next?.href;
    }
    expect(walked.filter((id) => ids.includes(id))).toEqual(ids);

    const enabled = await call(
      sandbox,
      token,
      'GET',
      '/v2/webhooks?status=ENABLED&enabled_events=person.updated',
    );
    expect(enabled.status).toBe(200);
    expect(enabled.body._data.map((webhook: Json) => webhook.id)).toEqual([ids[0], ids[2]]);

    expectProblem(await call(sandbox, token, 'GET', '/v2/webhooks?limit=201'), 400);
    expectProblem(await call(sandbox, token, 'GET', '/v2/webhooks?status=ON'), 400);
    expectProblem(await call(sandbox, token, 'GET', '/v2/webhooks?colour=blue'), 400);
    expect((await call(sandbox, token, 'GET', '/v2/webhooks?limit=200')).status).toBe(200);
  });

  it('refuses bad bodies with problem+json: 400 malformed, 422 invalid, 409 duplicate url', async () => {
    const valid = { url: 'https://receiver.test/dup', token: 't', enabled_events: ['person.created'] };
    expect((await call(sandbox, token, 'POST', '/v2/webhooks', valid)).status).toBe(201);
    expectProblem(await call(sandbox, token, 'POST', '/v2/webhooks', valid), 409);

    const malformed: unknown[] = [
      'not json',
      '[]',
      { ...valid, url: 42 },
      { ...valid, enabled_events: 'person.created' },
      { ...valid, surprise: true },
    ];
    for (const body of malformed)
      expectProblem(await call(sandbox, token, 'POST', '/v2/webhooks', body), 400);

    const invalid: unknown[] = [
      { enabled_events: ['person.created'], token: 't' },
      { ...valid, url: 'ftp://receiver.test/x' },
      { ...valid, url: 'not a url' },
      { ...valid, url: 'https://receiver.test/new', enabled_events: [] },
      { ...valid, url: 'https://receiver.test/new', enabled_events: ['person.exploded'] },
      { ...valid, url: 'https://receiver.test/new', status: 'ON' },
      { ...valid, url: 'https://receiver.test/new', auth_type: 'BASIC' },
      { url: 'https://receiver.test/new', enabled_events: ['person.created'] },
      { ...valid, url: 'https://receiver.test/new', auth_type: 'NONE' },
      { url: 'https://receiver.test/new', enabled_events: ['person.created'], auth_type: 'CUSTOM' },
      {
        url: 'https://receiver.test/new',
        enabled_events: ['person.created'],
        auth_type: 'CUSTOM',
        custom_headers: { A: '1', B: '2', C: '3', D: '4' },
      },
      {
        url: 'https://receiver.test/new',
        enabled_events: ['person.created'],
        auth_type: 'CUSTOM',
        custom_headers: { 'Content-Type': 'text/plain' },
      },
      { ...valid, url: 'https://receiver.test/new', custom_headers: { A: '1' } },
    ];
    for (const body of invalid) {
      const reply = await call(sandbox, token, 'POST', '/v2/webhooks', body);
      expectProblem(reply, 422);
    }
    const listed = await call(sandbox, token, 'GET', '/v2/webhooks?limit=200');
    expect(listed.body._data.some((webhook: Json) => webhook.url === 'https://receiver.test/new')).toBe(
      false,
    );
  });

  it('needs the webhooks scope: a credential without it is refused with 403, reads need read or write', async () => {
    const without = await v2Token(sandbox, SANDBOX_NO_WEBHOOKS_CREDENTIAL);
    const body = { url: 'https://receiver.test/scope', token: 't', enabled_events: ['person.created'] };
    expectProblem(await call(sandbox, without, 'POST', '/v2/webhooks', body), 403);
    expectProblem(await call(sandbox, without, 'GET', '/v2/webhooks'), 403);
    // Its persons scope still works: the refusal is about webhooks only.
    expect((await call(sandbox, without, 'GET', '/v2/persons?limit=1')).status).toBe(200);

    const readOnly = await v2Token(sandbox, SANDBOX_CREDENTIALS.full, 'personio:webhooks:read');
    expectProblem(await call(sandbox, readOnly, 'POST', '/v2/webhooks', body), 403);
    expect((await call(sandbox, readOnly, 'GET', '/v2/webhooks')).status).toBe(200);
    const created = await call(sandbox, token, 'POST', '/v2/webhooks', body);
    expectProblem(
      await call(sandbox, readOnly, 'PATCH', `/v2/webhooks/${created.body.id}`, { status: 'ENABLED' }),
      403,
    );
    expectProblem(await call(sandbox, readOnly, 'DELETE', `/v2/webhooks/${created.body.id}`), 403);
    expectProblem(await call(sandbox, 'not-a-token', 'GET', '/v2/webhooks'), 401);
  });
});

type Receiver = Awaited<ReturnType<typeof recordingServer>>;

/** A receiver on 127.0.0.1 answering each request with the next status of `statuses` (the last repeats). */
async function receiver(statuses: number[] = [200], headers: Record<string, string> = {}): Promise<Receiver> {
  let answered = 0;
  return recordingServer((_request, response) => {
    const status = statuses[Math.min(answered++, statuses.length - 1)]!;
    response.writeHead(status, headers).end();
  });
}

const bodyOf = (request: RecordedRequest) => JSON.parse(request.body.toString('utf8')) as Json;

/** A fresh simulator (its own webhooks and attempts) with the given retry schedule, and a v2 token. */
async function simulator(retryDelaysMs: number[], now?: () => Date) {
  const sandbox = createPersonioSandbox({
    employees: 20,
    seed: 9,
    now,
    webhookDelivery: { retryDelaysMs, timeoutMs: 3000 },
  });
  const token = await v2Token(sandbox, SANDBOX_CREDENTIALS.full);
  const v1Token = await tokenFor(sandbox, SANDBOX_CREDENTIALS.full);
  return { sandbox, token, v1Token };
}

async function register(
  sandbox: PersonioSandbox,
  token: string,
  url: string,
  events: string[],
  extra: Record<string, unknown> = { auth_type: 'TOKEN', token: 'Bearer hook-token' },
): Promise<string> {
  const reply = await call(sandbox, token, 'POST', '/v2/webhooks', {
    url,
    status: 'ENABLED',
    enabled_events: events,
    ...extra,
  });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body.id;
}

async function v1(sandbox: PersonioSandbox, token: string, method: string, path: string, json?: unknown) {
  const response = await sandbox.fetch(
    new Request(`${BASE}/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: json === undefined ? undefined : JSON.stringify(json),
    }),
  );
  return { status: response.status, body: (await response.json()) as Json };
}

const attemptsOf = (sandbox: PersonioSandbox, webhookId: string) =>
  sandbox.webhooks.attempts().filter((attempt) => attempt.webhookId === webhookId);

describe('Personio v2 webhook delivery', () => {
  const receivers: Receiver[] = [];
  const sandboxes: PersonioSandbox[] = [];
  const track = <T extends { sandbox: PersonioSandbox }>(opened: T) => {
    sandboxes.push(opened.sandbox);
    return opened;
  };
  const open = async (statuses?: number[], headers?: Record<string, string>) => {
    const opened = await receiver(statuses, headers);
    receivers.push(opened);
    return opened;
  };
  afterAll(async () => {
    for (const sandbox of sandboxes) sandbox.webhooks.stop();
    await Promise.all(receivers.map((opened) => opened.close()));
  });

  it('POSTs ids only with the token verbatim, without holding up the request that made the change', async () => {
    const { sandbox, token, v1Token } = track(await simulator([]));
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    // Holds every delivery open until released: the hire must answer regardless.
    const slow = await recordingServer((_request, response) => {
      held.then(() => response.writeHead(200).end());
    });
    receivers.push(slow);
    const id = await register(sandbox, token, `${slow.url}/hooks/acme`, [
      'person.created',
      'employment.created',
      'employment.started',
    ]);
    const hired = await v1(sandbox, v1Token, 'POST', '/_sandbox/employees', {
      first_name: 'Ada',
      last_name: 'Lovelace',
    });
    expect(hired.status).toBe(201);
    const personId = String(hired.body.data.id);
    await waitUntil(async () => slow.requests.length === 3, 'three deliveries arriving');
    expect(attemptsOf(sandbox, id)).toEqual([]);
    release();
    await waitUntil(async () => attemptsOf(sandbox, id).length === 3, 'three attempts recorded');

    for (const request of slow.requests) {
      expect(request.method).toBe('POST');
      expect(request.target).toBe('/hooks/acme');
      expect(request.headers.authorization).toBe('Bearer hook-token');
      expect(request.headers['content-type']).toBe('application/json');
      expectValid(validateDelivery, bodyOf(request));
      expect(bodyOf(request).company_id).toBe(sandbox.webhooks.companyId);
    }
    const byName = Object.fromEntries(
      slow.requests.map((request) => [bodyOf(request).event_name, bodyOf(request)]),
    );
    expect(Object.keys(byName).sort()).toEqual([
      'employment.created',
      'employment.started',
      'person.created',
    ]);
    expect(byName['person.created'].payload).toEqual({ id: personId });
    const person = await call(sandbox, token, 'GET', `/v2/persons/${personId}`);
    expect(byName['employment.created'].payload).toEqual({
      id: person.body.employments[0].id,
      person: { id: personId },
    });
    expect(attemptsOf(sandbox, id).map((attempt) => attempt.outcome)).toEqual([
      'delivered',
      'delivered',
      'delivered',
    ]);
  });

  it('sends custom headers for CUSTOM and no Authorization for NONE; a DISABLED or unsubscribed webhook gets nothing', async () => {
    const { sandbox, token } = track(await simulator([]));
    const custom = await open();
    const none = await open();
    const disabled = await open();
    const other = await open();
    await register(sandbox, token, custom.url, ['person.updated'], {
      auth_type: 'CUSTOM',
      custom_headers: { 'X-Roster-Key': 'k1', 'X-Second': 'k2' },
    });
    await register(sandbox, token, none.url, ['person.updated'], { auth_type: 'NONE' });
    await register(sandbox, token, disabled.url, ['person.updated'], { status: 'DISABLED', token: 't' });
    const otherId = await register(sandbox, token, other.url, ['absence-period.created']);
    const personId = sandbox.employeeIds()[3]!;
    expect(sandbox.changes.changeEmployee(personId, { firstName: 'Grace' })).toBe(true);
    await waitUntil(async () => custom.requests.length === 1 && none.requests.length === 1, 'deliveries');
    expect(custom.requests[0]!.headers['x-roster-key']).toBe('k1');
    expect(custom.requests[0]!.headers['x-second']).toBe('k2');
    expect(custom.requests[0]!.headers.authorization).toBeUndefined();
    expect(none.requests[0]!.headers.authorization).toBeUndefined();
    expect(bodyOf(none.requests[0]!)).toMatchObject({
      event_name: 'person.updated',
      payload: { id: String(personId) },
    });
    // The two deliveries above were queued with these; had the others been due, they would have gone too.
    await waitUntil(async () => sandbox.webhooks.pendingDeliveries() === 0, 'queue drained');
    expect(disabled.requests).toEqual([]);
    expect(other.requests).toEqual([]);
    expect(attemptsOf(sandbox, otherId)).toEqual([]);
  });

  it('fires person, employment and absence-period events for API writes and HR changes', async () => {
    const { sandbox, token, v1Token } = track(await simulator([]));
    const hook = await open();
    await register(sandbox, token, hook.url, [
      'person.updated',
      'employment.updated',
      'employment.terminated',
      'absence-period.created',
      'absence-period.updated.status',
      'absence-period.deleted',
    ]);
    const personId = sandbox.employeeIds()[2]!;
    const events = () => hook.requests.map((request) => bodyOf(request));
    const names = () =>
      events()
        .map((event) => event.event_name)
        .sort();

    // v1 API write of a person field and an employment field.
    const patched = await v1(sandbox, v1Token, 'PATCH', `/company/employees/${personId}`, {
      employee: { last_name: 'Hopper', position: 'Admiral' },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    await waitUntil(async () => hook.requests.length === 2, 'person.updated and employment.updated');
    expect(names()).toEqual(['employment.updated', 'person.updated']);

    // An immediate termination: the employment changes and ends.
    hook.requests.length = 0;
    const today = new Date().toISOString().slice(0, 10);
    expect(
      (await v1(sandbox, v1Token, 'PATCH', `/_sandbox/employees/${personId}`, { termination_date: today }))
        .status,
    ).toBe(200);
    await waitUntil(async () => hook.requests.length === 2, 'employment.updated and employment.terminated');
    expect(names()).toEqual(['employment.terminated', 'employment.updated']);

    // A time-off created through v1, approved by HR, deleted through v1: the v2 period id throughout.
    hook.requests.length = 0;
    const created = await sandbox.fetch(
      new Request(`${BASE}/v1/company/time-offs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${v1Token}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          employee_id: String(sandbox.employeeIds()[1]),
          time_off_type_id: '301',
          start_date: '2031-03-04',
          end_date: '2031-03-06',
          half_day_start: '0',
          half_day_end: '0',
        }),
      }),
    );
    expect(created.status).toBe(200);
    const periodId = String(((await created.json()) as Json).data.attributes.id);
    await waitUntil(async () => hook.requests.length === 1, 'absence-period.created');
    expect(events()[0]).toMatchObject({
      event_name: 'absence-period.created',
      payload: { id: periodId, person: { id: String(sandbox.employeeIds()[1]) } },
    });
    expect((await call(sandbox, token, 'GET', `/v2/absence-periods/${periodId}`)).status).toBe(200);
    const current = (await call(sandbox, token, 'GET', `/v2/absence-periods/${periodId}`)).body.approval
      .status;
    const decided = current === 'APPROVED' ? 'rejected' : 'approved';
    expect(
      (await v1(sandbox, v1Token, 'PATCH', `/_sandbox/absences/${periodId}`, { status: decided })).status,
    ).toBe(200);
    // The same status again is no change.
    expect(
      (await v1(sandbox, v1Token, 'PATCH', `/_sandbox/absences/${periodId}`, { status: decided })).status,
    ).toBe(200);
    expect((await v1(sandbox, v1Token, 'DELETE', `/company/time-offs/${periodId}`)).status).toBe(200);
    await waitUntil(async () => hook.requests.length === 3, 'status change and deletion');
    await waitUntil(async () => sandbox.webhooks.pendingDeliveries() === 0, 'queue drained');
    // Concurrent deliveries may arrive in any order (Personio promises none either).
    expect(
      events()
        .map((event) => `${event.event_name} ${event.payload.id}`)
        .sort(),
    ).toEqual([
      `absence-period.created ${periodId}`,
      `absence-period.deleted ${periodId}`,
      `absence-period.updated.status ${periodId}`,
    ]);
  });

  it('hour-unit periods carry their UUID; a future hire starts its employment only when it becomes active', async () => {
    const { sandbox, token, v1Token } = track(await simulator([]));
    const hook = await open();
    await register(sandbox, token, hook.url, [
      'employment.started',
      'employment.created',
      'absence-period.created',
      'absence-period.deleted',
    ]);
    const events = () => hook.requests.map((request) => bodyOf(request));
    const created = await sandbox.fetch(
      new Request(`${BASE}/v1/company/absence-periods`, {
        method: 'POST',
        headers: { authorization: `Bearer ${v1Token}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          employee_id: String(sandbox.employeeIds()[7]),
          time_off_type_id: '306',
          start_date: '2031-05-06',
          end_date: '2031-05-06',
          start_time: '09:30',
          end_time: '11:00',
        }),
      }),
    );
    expect(created.status).toBe(201);
    const periodId = ((await created.json()) as Json).data.attributes.id as string;
    expect(periodId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await v1(sandbox, v1Token, 'DELETE', `/company/absence-periods/${periodId}`)).status).toBe(200);
    await waitUntil(async () => hook.requests.length === 2, 'created and deleted');
    expect(
      events()
        .map((event) => `${event.event_name} ${event.payload.id}`)
        .sort(),
    ).toEqual([`absence-period.created ${periodId}`, `absence-period.deleted ${periodId}`]);
    expect((await call(sandbox, token, 'GET', `/v2/absence-periods/${periodId}`)).status).toBe(404);

    hook.requests.length = 0;
    const { id } = sandbox.changes.hireEmployee({
      firstName: 'Future',
      lastName: 'Hire',
      hireDate: '2099-01-01',
    });
    await waitUntil(
      async () => sandbox.webhooks.pendingDeliveries() === 0 && hook.requests.length >= 1,
      'created',
    );
    expect(events().map((event) => event.event_name)).toEqual(['employment.created']);
    sandbox.changes.changeEmployee(id, { status: 'active' });
    await waitUntil(async () => hook.requests.length === 2, 'started');
    expect(events()[1]).toMatchObject({
      event_name: 'employment.started',
      payload: { person: { id: String(id) } },
    });
  });

  it('retries a failing endpoint on the configured schedule until it answers 2xx', async () => {
    const { sandbox, token } = track(await simulator([20, 20, 20, 20, 20]));
    const flaky = await open([500, 503, 200]);
    const id = await register(sandbox, token, flaky.url, ['person.updated']);
    sandbox.changes.changeEmployee(sandbox.employeeIds()[0]!, { firstName: 'Retry' });
    await waitUntil(
      async () => attemptsOf(sandbox, id).some((attempt) => attempt.outcome === 'delivered'),
      'delivery',
    );
    expect(
      attemptsOf(sandbox, id).map((attempt) => [attempt.attempt, attempt.responseStatus, attempt.outcome]),
    ).toEqual([
      [1, 500, 'retry'],
      [2, 503, 'retry'],
      [3, 200, 'delivered'],
    ]);
    expect(flaky.requests.map((request) => bodyOf(request).occurred_at)).toEqual(
      Array(3).fill(bodyOf(flaky.requests[0]!).occurred_at),
    );
    const events = await call(sandbox, token, 'GET', `/v2/webhooks/${id}/events`);
    expect(events.body._data[0].delivery).toMatchObject({
      status: 'DELIVERED',
      attempts: 3,
      last_response_status: 200,
    });
  });

  it('gives up after the last attempt, and never retries a 501', async () => {
    const { sandbox, token } = track(await simulator([10, 10]));
    const down = await open([503]);
    const unimplemented = await open([501]);
    const downId = await register(sandbox, token, down.url, ['person.updated']);
    const unimplementedId = await register(sandbox, token, unimplemented.url, ['person.updated']);
    sandbox.changes.changeEmployee(sandbox.employeeIds()[0]!, { firstName: 'Give-up' });
    await waitUntil(
      async () =>
        attemptsOf(sandbox, downId).some((attempt) => attempt.outcome === 'failed') &&
        attemptsOf(sandbox, unimplementedId).some((attempt) => attempt.outcome === 'failed'),
      'both deliveries failing for good',
    );
    await waitUntil(async () => sandbox.webhooks.pendingDeliveries() === 0, 'nothing left to retry');
    expect(attemptsOf(sandbox, downId).map((attempt) => attempt.outcome)).toEqual([
      'retry',
      'retry',
      'failed',
    ]);
    expect(down.requests).toHaveLength(3);
    expect(
      attemptsOf(sandbox, unimplementedId).map((attempt) => [attempt.responseStatus, attempt.outcome]),
    ).toEqual([[501, 'failed']]);
    expect(unimplemented.requests).toHaveLength(1);
    const failed = await call(sandbox, token, 'GET', `/v2/webhooks/${downId}/events`);
    expect(failed.body._data[0].delivery).toMatchObject({
      status: 'FAILED',
      attempts: 3,
      last_response_status: 503,
    });
  });

  it('does not follow redirects: a 3xx is a failed attempt and the target is never called', async () => {
    const { sandbox, token } = track(await simulator([]));
    const target = await open();
    const redirecting = await open([307], { location: `${target.url}/elsewhere` });
    const id = await register(sandbox, token, redirecting.url, ['person.updated']);
    sandbox.changes.changeEmployee(sandbox.employeeIds()[0]!, { firstName: 'Redirected' });
    await waitUntil(async () => attemptsOf(sandbox, id).length === 1, 'the attempt');
    expect(attemptsOf(sandbox, id)[0]).toMatchObject({ responseStatus: 307, outcome: 'failed' });
    expect(redirecting.requests).toHaveLength(1);
    expect(target.requests).toEqual([]);
  });

  it('counts an endpoint that does not answer within the timeout as failed and retries it', async () => {
    const { sandbox, token } = track(await simulator([10]));
    sandbox.webhooks.configure({ timeoutMs: 200 });
    let calls = 0;
    // The first request never gets an answer; the retry does.
    const silent = await recordingServer((_request, response) => {
      if (calls++ > 0) response.writeHead(204).end();
    });
    receivers.push(silent);
    const id = await register(sandbox, token, silent.url, ['person.updated']);
    sandbox.changes.changeEmployee(sandbox.employeeIds()[0]!, { firstName: 'Slow' });
    await waitUntil(async () => attemptsOf(sandbox, id).length === 2, 'timeout and retry');
    expect(attemptsOf(sandbox, id)[0]).toMatchObject({
      responseStatus: null,
      outcome: 'retry',
      error: 'timed out after 200 ms',
    });
    expect(attemptsOf(sandbox, id)[1]).toMatchObject({ responseStatus: 204, outcome: 'delivered' });
  });
});

describe('Personio v2 webhook events API and outages', () => {
  const receivers: Receiver[] = [];
  const sandboxes: PersonioSandbox[] = [];
  afterAll(async () => {
    for (const sandbox of sandboxes) sandbox.webhooks.stop();
    await Promise.all(receivers.map((opened) => opened.close()));
  });

  it('lists 30 days of events per webhook, filtered by time and name, in cursor pages', async () => {
    let clock = Date.parse('2026-06-01T08:00:00Z');
    const opened = await simulator([], () => new Date(clock));
    sandboxes.push(opened.sandbox);
    const { sandbox } = opened;
    let token = opened.token;
    const hook = await receiver();
    receivers.push(hook);
    const id = await register(sandbox, token, hook.url, ['person.updated', 'employment.updated']);
    const otherId = await register(sandbox, token, `${hook.url}/other`, ['employment.updated']);
    const personId = sandbox.employeeIds()[0]!;
    // Day 0: a name change (person.updated); day 10 and day 35: position changes (employment.updated).
    sandbox.changes.changeEmployee(personId, { firstName: 'Day-zero' });
    clock += 10 * 86_400_000;
    sandbox.changes.changeEmployee(personId, { position: 'Day ten' });
    clock += 25 * 86_400_000;
    sandbox.changes.changeEmployee(personId, { position: 'Day thirty-five' });
    await waitUntil(async () => hook.requests.length === 5, 'five deliveries');
    // The first token expired on the way (a day's lifetime).
    token = await v2Token(sandbox, SANDBOX_CREDENTIALS.full);

    // Day 35: the day-0 event is older than 30 days and gone.
    const all = await call(sandbox, token, 'GET', `/v2/webhooks/${id}/events`);
    expect(all.status, JSON.stringify(all.body)).toBe(200);
    expectValid(validateEventList, all.body);
    expect(all.body._data.map((event: Json) => [event.event_name, event.occurred_at])).toEqual([
      ['employment.updated', '2026-06-11T08:00:00.000Z'],
      ['employment.updated', '2026-07-06T08:00:00.000Z'],
    ]);
    expect(all.body._data[0]).toMatchObject({
      company_id: sandbox.webhooks.companyId,
      payload: { id: expect.any(String), person: { id: String(personId) } },
      delivery: { status: 'DELIVERED', attempts: 1, last_response_status: 200 },
    });
    // Each webhook sees its own events only.
    const other = await call(sandbox, token, 'GET', `/v2/webhooks/${otherId}/events`);
    expect(other.body._data).toHaveLength(2);
    expect(other.body._data.map((event: Json) => event.id)).not.toContain(all.body._data[0].id);

    clock -= 30 * 86_400_000; // back to day 5: everything is within 30 days
    const names = await call(sandbox, token, 'GET', `/v2/webhooks/${id}/events?event_name=person.updated`);
    expect(names.body._data.map((event: Json) => event.event_name)).toEqual(['person.updated']);
    const window = await call(
      sandbox,
      token,
      'GET',
      `/v2/webhooks/${id}/events?occurred_at.gte=2026-06-10T00:00:00Z&occurred_at.lte=2026-06-12T00:00:00%2B00:00`,
    );
    expect(window.body._data.map((event: Json) => event.occurred_at)).toEqual(['2026-06-11T08:00:00.000Z']);

    const walked: string[] = [];
    let next: string | undefined =
      `/v2/webhooks/${id}/events?limit=1&event_name=person.updated,employment.updated`;
    while (next) {
      const page = await call(sandbox, token, 'GET', next);
      expect(page.status, JSON.stringify(page.body)).toBe(200);
      expectValid(validateEventList, page.body);
      expect(page.body._data).toHaveLength(1);
      walked.push(page.body._data[0].event_name);
      next = page.body._meta.links.next?.href;
    }
    expect(walked).toEqual(['person.updated', 'employment.updated', 'employment.updated']);

    expectProblem(
      await call(sandbox, token, 'GET', `/v2/webhooks/${id}/events?occurred_at.gte=yesterday`),
      400,
    );
    expectProblem(
      await call(sandbox, token, 'GET', `/v2/webhooks/${id}/events?occurred_at=2026-06-01T00:00:00Z`),
      400,
    );
    expectProblem(await call(sandbox, token, 'GET', `/v2/webhooks/${id}/events?limit=0`), 400);
    expectProblem(await call(sandbox, token, 'GET', `/v2/webhooks/${id}/events?limit=201`), 400);
    expectProblem(await call(sandbox, token, 'GET', `/v2/webhooks/${crypto.randomUUID()}/events`), 404);
    const without = await v2Token(sandbox, SANDBOX_NO_WEBHOOKS_CREDENTIAL);
    expectProblem(await call(sandbox, without, 'GET', `/v2/webhooks/${id}/events`), 403);
  });

  it('an outage in drop mode loses the delivery but the events API still has it; fail mode retries after', async () => {
    const opened = await simulator([20, 20, 20, 20, 20, 20, 20, 20, 20, 20]);
    sandboxes.push(opened.sandbox);
    const { sandbox, token, v1Token } = opened;
    const hook = await receiver();
    receivers.push(hook);
    const id = await register(sandbox, token, hook.url, ['person.updated']);
    const personId = sandbox.employeeIds()[1]!;
    const control = (json: unknown) => v1(sandbox, v1Token, 'PUT', '/_sandbox/webhook-delivery', json);

    const dropping = await control({ outage: { mode: 'drop' } });
    expect(dropping.status, JSON.stringify(dropping.body)).toBe(200);
    expect(dropping.body.data.outage).toEqual({ mode: 'drop', until: null });
    sandbox.changes.changeEmployee(personId, { firstName: 'Dropped' });
    await waitUntil(async () => attemptsOf(sandbox, id).length === 1, 'the dropped attempt');
    expect(attemptsOf(sandbox, id)[0]).toMatchObject({ outcome: 'dropped', responseStatus: null });
    const missed = await call(sandbox, token, 'GET', `/v2/webhooks/${id}/events`);
    expect(missed.body._data).toHaveLength(1);
    expect(missed.body._data[0]).toMatchObject({
      event_name: 'person.updated',
      payload: { id: String(personId) },
      delivery: { status: 'DROPPED', attempts: 0 },
    });

    expect((await control({ outage: { mode: 'fail' } })).status).toBe(200);
    sandbox.changes.changeEmployee(personId, { firstName: 'Failed-then-delivered' });
    await waitUntil(async () => attemptsOf(sandbox, id).length >= 3, 'attempts failing during the outage');
    expect(hook.requests).toEqual([]);
    const cleared = await control({ outage: null });
    expect(cleared.body.data.outage).toBeNull();
    await waitUntil(
      async () => attemptsOf(sandbox, id).some((attempt) => attempt.outcome === 'delivered'),
      'a retry after the outage',
    );
    expect(hook.requests).toHaveLength(1);
    expect(bodyOf(hook.requests[0]!)).toMatchObject({
      event_name: 'person.updated',
      payload: { id: String(personId) },
    });
    // The dropped event was never sent, not even once the outage was over.
    expect(attemptsOf(sandbox, id).filter((attempt) => attempt.outcome === 'dropped')).toHaveLength(1);

    // The attempts are readable over HTTP too, and the settings can be changed there.
    const attempts = await v1(sandbox, v1Token, 'GET', `/_sandbox/webhook-attempts?webhook_id=${id}`);
    expect(attempts.status).toBe(200);
    expect(attempts.body.data.map((attempt: Json) => attempt.outcome)).toEqual(
      attemptsOf(sandbox, id).map((attempt) => attempt.outcome),
    );
    expect(attempts.body.data[0]).toMatchObject({ webhook_id: id, event_name: 'person.updated', attempt: 1 });
    const shrunk = await control({ retry_delays_ms: [1000, 2000], timeout_ms: 500 });
    expect(shrunk.body.data).toMatchObject({ retry_delays_ms: [1000, 2000], timeout_ms: 500 });
    expect(sandbox.webhooks.settings()).toEqual({ retryDelaysMs: [1000, 2000], timeoutMs: 500 });
    for (const bad of [
      { retry_delays_ms: [-1] },
      { retry_delays_ms: 'fast' },
      { timeout_ms: 0 },
      { outage: { mode: 'sideways' } },
      { outage: { mode: 'drop', seconds: -5 } },
    ]) {
      const refused = await control(bad);
      expect(refused.status, JSON.stringify(bad)).toBe(422);
      expect(refused.body.success).toBe(false);
    }
    expect((await sandbox.fetch(new Request(`${BASE}/v1/_sandbox/webhook-attempts`))).status).toBe(401);
  });

  it('an outage for a number of seconds ends by itself', async () => {
    const opened = await simulator([]);
    sandboxes.push(opened.sandbox);
    const { sandbox } = opened;
    sandbox.webhooks.setOutage({ mode: 'drop', forMs: 50 });
    expect(sandbox.webhooks.outage()).toMatchObject({ mode: 'drop' });
    await waitUntil(async () => sandbox.webhooks.outage() === null, 'the outage ending');
  });
});
