import { Ajv } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createPersonioSandbox,
  type PersonioSandbox,
  SANDBOX_CREDENTIALS,
  SANDBOX_NO_WEBHOOKS_CREDENTIAL,
  type SandboxCredential,
} from '../../src/sandbox/personio/index';
import { type RecordedRequest, recordingServer } from '../support/http-servers';
import { waitFor, waitUntil } from '../support/wait';
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
