import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createPersonioSandbox,
  SANDBOX_CREDENTIALS,
  SANDBOX_V1_ONLY_CREDENTIAL,
  type SandboxCredential,
} from '../../src/sandbox/personio/index';
import { describeErrors, type Json, loadSpec } from './personio-openapi';
import { bearer, getJson, tokenFor } from './sandbox-client';

/**
 * The simulator's v2 answers against Personio's official v2 spec files (persons, employments, token,
 * common error shape). Absence types and periods have no official file; they are checked against the
 * shape REFERENCE §4.4–4.5 documents, written out below.
 */

const persons = loadSpec('persons-service-api-v2.json');
const employments = loadSpec('employment-contract-v2.json');
const credentials = loadSpec('credentials-service-api-v2.json');
const common = loadSpec('common-components-v2.json');

function validatorsFor(spec: Json, id: string) {
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false });
  (addFormatsPlugin as unknown as (instance: Ajv) => Ajv)(ajv);
  // OpenAPI 3.0 keywords and a format the files use (`url`) that JSON Schema spells `uri`.
  ajv.addVocabulary(['example', 'xml']);
  ajv.addFormat('url', /^https?:\/\/\S+$/);
  // Schema refs point at the registered `$defs`; refs elsewhere in the file (`#/paths/…`) are inlined.
  const pointer = (ref: string): Json =>
    ref
      .slice(2)
      .split('/')
      .reduce((node: Json, part) => node[part.replaceAll('~1', '/').replaceAll('~0', '~')], spec);
  const rewrite = (node: Json): Json => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (node === null || typeof node !== 'object') return node;
    if (typeof node.$ref === 'string' && !node.$ref.startsWith('#/components/schemas/')) {
      return rewrite(pointer(node.$ref));
    }
    return Object.fromEntries(
      Object.entries(node).map(([key, value]) => [
        key,
        key === '$ref' && typeof value === 'string'
          ? value.replace('#/components/schemas/', `${id}#/$defs/`)
          : rewrite(value),
      ]),
    );
  };
  ajv.addSchema({ $id: id, $defs: rewrite(spec.components.schemas) });
  return (path: string, method: string, status: string, type = 'application/json'): ValidateFunction =>
    ajv.compile(rewrite(spec.paths[path][method].responses[status].content[type].schema));
}

function expectValid(validate: ValidateFunction, body: unknown): void {
  expect(validate(body), describeErrors(validate)).toBe(true);
}

/** Every key the simulator sends is one the spec declares (the schemas allow extra ones; Personio sends none). */
function expectOnlyDeclared(schema: Json, value: Json, where: string): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || !schema?.properties) return;
  for (const key of Object.keys(value)) {
    expect(Object.keys(schema.properties), `${where}.${key}`).toContain(key);
  }
}

const ABSENCE_TYPE = {
  type: 'object',
  required: ['id', 'name', 'category', 'unit'],
  additionalProperties: false,
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    category: { type: 'string', pattern: '^[A-Z_]+$' },
    unit: { enum: ['DAY', 'HOUR'] },
  },
};
const POINT = {
  type: 'object',
  required: ['date_time'],
  additionalProperties: false,
  properties: {
    date_time: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}$' },
    type: { enum: ['FIRST_HALF', 'SECOND_HALF'] },
  },
};
const REF = { type: 'object', required: ['id'], properties: { id: { type: 'string' } } };
const ABSENCE_PERIOD = {
  type: 'object',
  additionalProperties: false,
  required: [
    'id',
    'person',
    'absence_type',
    'starts_from',
    'ends_at',
    'timezone_id',
    'approval',
    'created_at',
    'updated_at',
  ],
  properties: {
    id: { type: 'string' },
    person: REF,
    absence_type: REF,
    starts_from: POINT,
    ends_at: { anyOf: [POINT, { type: 'null' }] },
    timezone_id: { type: 'string' },
    comment: { type: 'string' },
    approval: { type: 'object', required: ['status'], properties: { status: { type: 'string' } } },
    substitute: { anyOf: [REF, { type: 'null' }] },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
  },
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
          properties: { self: { type: 'object' }, next: { type: 'object' } },
          additionalProperties: {
            type: 'object',
            required: ['href'],
            properties: { href: { type: 'string', format: 'uri' } },
          },
        },
      },
    },
  },
});
const BREAKDOWN = {
  type: 'object',
  additionalProperties: false,
  required: ['date', 'effective_duration'],
  properties: {
    date: { type: 'string', format: 'date' },
    effective_duration: {
      type: 'object',
      required: ['unit', 'value'],
      properties: { unit: { enum: ['DAY', 'HOUR'] }, value: { type: 'number' } },
    },
  },
};

const reference = new Ajv({ allErrors: true, strict: true, strictRequired: false });
(addFormatsPlugin as unknown as (instance: Ajv) => Ajv)(reference);

const personsOf = validatorsFor(persons, 'persons');
const employmentsOf = validatorsFor(employments, 'employments');
const tokenOf = validatorsFor(credentials, 'credentials');
const commonAjv = new Ajv({ allErrors: true, strict: true, strictTypes: false });
(addFormatsPlugin as unknown as (instance: Ajv) => Ajv)(commonAjv);
commonAjv.addVocabulary(['example']);
const validateProblem = commonAjv.compile(
  JSON.parse(
    JSON.stringify(common.components.schemas.ErrorResponse).replaceAll('#/components/schemas/', '#/$defs/'),
  ),
);

// Generous buckets here: the limits themselves are the subject of one test below, with its own simulator.
const roomy = { perSecond: 10_000, burst: 10_000 };
const sandbox = createPersonioSandbox({
  employees: 60,
  seed: 3,
  v2RateLimits: { persons: roomy, employments: roomy, 'absence-periods': roomy, breakdowns: roomy },
});
const BASE = 'http://sandbox.test';

async function v2Token(credential: SandboxCredential, scope?: string) {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: credential.clientId,
    client_secret: credential.clientSecret,
  });
  if (scope) form.set('scope', scope);
  const response = await sandbox.fetch(new Request(`${BASE}/v2/auth/token`, { method: 'POST', body: form }));
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    body: (await response.json()) as Json,
  };
}

async function get(path: string, token: string) {
  const response = await sandbox.fetch(
    new Request(path.startsWith('http') ? path : `${BASE}${path}`, {
      headers: { authorization: bearer(token) },
    }),
  );
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    body: (await response.json()) as Json,
  };
}

/** Follows `_meta.links.next` to the end, checking each page. */
async function walk(path: string, token: string, check: (page: Json) => void) {
  const items: Json[] = [];
  let next: string | undefined = path;
  while (next) {
    const page = await get(next, token);
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    check(page.body);
    items.push(...page.body._data);
    next = page.body._meta.links.next?.href;
  }
  return items;
}

let token = '';
beforeAll(async () => {
  const issued = await v2Token(SANDBOX_CREDENTIALS.full);
  token = issued.body.access_token;
});

describe('simulator v2: auth', () => {
  it('issues a stable bearer token for form-encoded client credentials, in the spec shape', async () => {
    const first = await v2Token(SANDBOX_CREDENTIALS.full);
    expect(first.status).toBe(200);
    expectValid(tokenOf('/v2/auth/token', 'post', '200'), first.body);
    expect(first.body.access_token).toBe(token);
    expect(first.body.token_type).toBe('Bearer');
  });

  it('answers every token failure 400 problem+json in the OAuth2 error shape', async () => {
    const validate = tokenOf('/v2/auth/token', 'post', '400', 'application/problem+json');
    const json = await sandbox.fetch(
      new Request(`${BASE}/v2/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'client_credentials', client_id: 'a', client_secret: 'b' }),
      }),
    );
    expect(json.status).toBe(400);
    const jsonBody = await json.json();
    expectValid(validate, jsonBody);
    expect(jsonBody.error).toBe('invalid_request');
    const wrong = await v2Token({ ...SANDBOX_CREDENTIALS.full, clientSecret: 'nope' });
    expect([wrong.status, wrong.type, wrong.body.error]).toEqual([
      400,
      'application/problem+json',
      'unauthorized_client',
    ]);
    expectValid(validate, wrong.body);
    expect((await v2Token({ clientId: 'who', clientSecret: 'x' })).body.error).toBe('invalid_client');
    expect((await v2Token(SANDBOX_CREDENTIALS.full, 'personio:payroll:read')).body.error).toBe(
      'invalid_scope',
    );
    expect((await v2Token(SANDBOX_V1_ONLY_CREDENTIAL)).body.error).toBe('unauthorized_client');
  });

  it('refuses resource calls without a valid token (401) or without the scope (403), as problem+json', async () => {
    const missing = await get('/v2/persons', 'papi-unknown');
    expect([missing.status, missing.type]).toEqual([401, 'application/problem+json']);
    expectValid(validateProblem, missing.body);
    const narrow = await v2Token(SANDBOX_CREDENTIALS.full, 'personio:persons:read');
    const forbidden = await get('/v2/absence-periods', narrow.body.access_token);
    expect(forbidden.status).toBe(403);
    expectValid(validateProblem, forbidden.body);
    expect((await get('/v2/persons?limit=1', narrow.body.access_token)).status).toBe(200);
  });
});

describe('simulator v2: persons and employments', () => {
  it('lists every person once over cursor pages, in the spec shape, matching v1 employees', async () => {
    const validate = personsOf('/v2/persons', 'get', '200');
    const all = await walk('/v2/persons?limit=7', token, (page) => {
      expectValid(validate, page);
      for (const person of page._data)
        expectOnlyDeclared(persons.components.schemas.Person, person, 'person');
    });
    expect(all.map((person) => person.id)).toEqual(sandbox.employeeIds().map(String));
    const v1Token = await tokenFor(sandbox, SANDBOX_CREDENTIALS.full);
    const v1 = await getJson(sandbox, `/company/employees/${all[5].id}`, bearer(v1Token));
    expect(all[5].email).toBe(v1.body.data.attributes.email.value);
    expect(all[5].first_name).toBe(v1.body.data.attributes.first_name.value);
  });

  it('filters persons by id, email and status and rejects unknown operators and bad limits', async () => {
    const ids = sandbox.employeeIds().slice(3, 5).map(String);
    const byId = await get(`/v2/persons?id=${ids.join(',')}`, token);
    expect(byId.body._data.map((person: Json) => person.id)).toEqual(ids);
    const byEmail = await get(`/v2/persons?email=${encodeURIComponent(byId.body._data[0].email)}`, token);
    expect(byEmail.body._data.map((person: Json) => person.id)).toEqual([ids[0]]);
    const inactive = await walk('/v2/persons?status=INACTIVE&limit=50', token, () => {});
    expect(inactive.every((person) => person.status === 'INACTIVE')).toBe(true);
    const unknown = await get('/v2/persons?id.nooperator=1', token);
    expect(unknown.status).toBe(400);
    expectValid(validateProblem, unknown.body);
    expect((await get('/v2/persons?limit=51', token)).status).toBe(400);
  });

  it('refuses a cursor sent with other filters', async () => {
    const first = await get('/v2/persons?limit=2&status=ACTIVE', token);
    const cursor = new URL(first.body._meta.links.next.href).searchParams.get('cursor')!;
    const reused = await get(`/v2/persons?limit=2&status=INACTIVE&cursor=${cursor}`, token);
    expect(reused.status).toBe(400);
  });

  it('serves one person and its employment in the spec shape, with termination for a leaver', async () => {
    const all = await walk('/v2/persons?limit=50', token, () => {});
    const leaver = all.find((person) => person.status === 'INACTIVE')!;
    const single = await get(`/v2/persons/${leaver.id}`, token);
    expectValid(personsOf('/v2/persons/{id}', 'get', '200'), single.body);
    const list = await get(`/v2/persons/${leaver.id}/employments`, token);
    expectValid(employmentsOf('/v2/persons/{person_id}/employments', 'get', '200'), list.body);
    const employment = list.body._data[0];
    expectOnlyDeclared(employments.components.schemas.Employment, employment, 'employment');
    expect(employment.id).toBe(leaver.employments[0].id);
    expect(employment.status).toBe('INACTIVE');
    expect(employment.termination.termination_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const one = await get(`/v2/persons/${leaver.id}/employments/${employment.id}`, token);
    expectValid(employmentsOf('/v2/persons/{person_id}/employments/{id}', 'get', '200'), one.body);
    const missing = await get('/v2/persons/999999999', token);
    expect(missing.status).toBe(404);
    expectValid(validateProblem, missing.body);
  });
});

describe('simulator v2: absences', () => {
  const validateTypes = reference.compile(list(ABSENCE_TYPE));
  const validatePeriods = reference.compile(list(ABSENCE_PERIOD));
  const validateBreakdowns = reference.compile(list(BREAKDOWN));

  it('lists absence types with the v1 time-off types', async () => {
    const types = await get('/v2/absence-types', token);
    expectValid(validateTypes, types.body);
    expect(types.body._data.map((type: Json) => type.id)).toEqual([
      '301',
      '302',
      '303',
      '304',
      '308',
      '305',
      '306',
      '307',
    ]);
  });

  it('lists day- and hour-unit periods over cursor pages, the same absences v1 lists', async () => {
    const all = await walk('/v2/absence-periods?limit=40', token, (page) =>
      expectValid(validatePeriods, page),
    );
    const v1Token = await tokenFor(sandbox, SANDBOX_CREDENTIALS.full);
    const v1Days = await getJson(sandbox, '/company/time-offs?limit=1000', bearer(v1Token));
    const v1Hours = await getJson(sandbox, '/company/absence-periods?limit=1000', bearer(v1Token));
    expect(all.map((period) => period.id)).toEqual([
      ...v1Days.body.data.map((item: Json) => String(item.attributes.id)),
      ...v1Hours.body.data.map((item: Json) => item.attributes.id),
    ]);
  });

  it('filters by window with overlap semantics and by updated_at, server-side', async () => {
    const all = await walk('/v2/absence-periods', token, () => {});
    const windowed = await walk(
      '/v2/absence-periods?ends_at.date_time.gte=2026-02-01T00:00:00&starts_from.date_time.lte=2026-02-28T23:59:59',
      token,
      (page) => expectValid(validatePeriods, page),
    );
    const overlaps = (period: Json) =>
      period.starts_from.date_time <= '2026-02-28T23:59:59' &&
      (period.ends_at === null || period.ends_at.date_time >= '2026-02-01T00:00:00');
    expect(windowed.map((period) => period.id)).toEqual(all.filter(overlaps).map((period) => period.id));
    expect(windowed.length).toBeGreaterThan(0);
    expect(windowed.length).toBeLessThan(all.length);
    // Some of them began before the window: overlap, not "starts within".
    expect(windowed.some((period) => period.starts_from.date_time < '2026-02-01T00:00:00')).toBe(true);

    const cutoff = all.map((period) => period.updated_at).sort()[Math.floor(all.length / 2)];
    const recent = await walk(`/v2/absence-periods?updated_at.gte=${cutoff}`, token, () => {});
    expect(recent.map((period) => period.id)).toEqual(
      all.filter((period) => period.updated_at >= cutoff).map((period) => period.id),
    );
  });

  it('gives each period a per-day breakdown in its unit, adding up to v1 days_count', async () => {
    const v1Token = await tokenFor(sandbox, SANDBOX_CREDENTIALS.full);
    const v1Days = await getJson(sandbox, '/company/time-offs?limit=5', bearer(v1Token));
    for (const item of v1Days.body.data) {
      const breakdown = await get(`/v2/absence-periods/${item.attributes.id}/breakdowns`, token);
      expectValid(validateBreakdowns, breakdown.body);
      const total = breakdown.body._data.reduce(
        (sum: number, day: Json) => sum + day.effective_duration.value,
        0,
      );
      expect(total).toBe(item.attributes.days_count);
    }
    const missing = await get('/v2/absence-periods/00000000-0000-4000-8000-000000000000/breakdowns', token);
    expect(missing.status).toBe(404);
    expectValid(validateProblem, missing.body);
  });

  it('shows what sandbox actions change (people, absence decisions, deletions) in v2 too', async () => {
    const personId = sandbox.employeeIds()[2]!;
    expect(
      sandbox.changes.changeEmployee(personId, { firstName: 'Renamed', terminationDate: '2026-01-15' }),
    ).toBe(true);
    const person = await get(`/v2/persons/${personId}`, token);
    expect([person.body.first_name, person.body.status]).toEqual(['Renamed', 'INACTIVE']);
    const employment = await get(`/v2/persons/${personId}/employments`, token);
    expect(employment.body._data[0].termination.termination_date).toBe('2026-01-15');

    const [first, second] = await walk('/v2/absence-periods?limit=2', token, () => {});
    expect(sandbox.changes.setAbsenceStatus(first.id, 'rejected')).toBe(true);
    expect((await get(`/v2/absence-periods/${first.id}`, token)).body.approval.status).toBe('REJECTED');
    expect(sandbox.changes.deleteAbsence(second.id)).toBe(true);
    expect((await get(`/v2/absence-periods/${second.id}`, token)).status).toBe(404);
  });

  it('rate-limits absence periods per credential with a 429 problem+json', async () => {
    const limited = createPersonioSandbox({
      employees: 10,
      v2RateLimits: { 'absence-periods': { perSecond: 0.001, burst: 2 } },
    });
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: SANDBOX_CREDENTIALS.full.clientId,
      client_secret: SANDBOX_CREDENTIALS.full.clientSecret,
    });
    const issued = await (
      await limited.fetch(new Request(`${BASE}/v2/auth/token`, { method: 'POST', body: form }))
    ).json();
    const call = () =>
      limited.fetch(
        new Request(`${BASE}/v2/absence-periods?limit=1`, {
          headers: { authorization: bearer(issued.access_token) },
        }),
      );
    expect((await call()).status).toBe(200);
    expect((await call()).status).toBe(200);
    const refused = await call();
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    expectValid(validateProblem, await refused.json());
  });
});
