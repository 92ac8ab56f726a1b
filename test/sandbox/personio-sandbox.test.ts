import { readdirSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createPersonioSandbox,
  type PersonioSandbox,
  SANDBOX_CREDENTIALS,
  type SandboxCredential,
} from '../../src/sandbox/personio/index';
import {
  attributeValue,
  type Body,
  bearer,
  getJson,
  postAuth,
  tokenFor,
  walkEmployeePages,
} from './sandbox-client';

const credentialFields = (credential: SandboxCredential) => ({
  client_id: credential.clientId,
  client_secret: credential.clientSecret,
});

const idsOf = (pages: Body[]): number[] =>
  pages.flatMap((page) => page.data.map((e: Body) => attributeValue(e, 'id')));

describe('authentication', () => {
  it('issues a papi- token that stays the same for the credential, whichever transport is used', async () => {
    const sandbox = createPersonioSandbox();
    const viaJson = await postAuth(sandbox, credentialFields(SANDBOX_CREDENTIALS.full), 'json');
    const viaForm = await postAuth(sandbox, credentialFields(SANDBOX_CREDENTIALS.full), 'form');
    const viaQuery = await postAuth(sandbox, credentialFields(SANDBOX_CREDENTIALS.full), 'query');
    expect(viaJson.status).toBe(200);
    expect(viaJson.body).toMatchObject({ success: true, data: { expires_in: 86_400 } });
    expect(viaJson.body.data.token).toMatch(/^papi-[0-9a-f]{64}$/);
    expect(viaForm.body.data.token).toBe(viaJson.body.data.token);
    expect(viaQuery.body.data.token).toBe(viaJson.body.data.token);
    const other = await tokenFor(sandbox, SANDBOX_CREDENTIALS.limited);
    expect(other).not.toBe(viaJson.body.data.token);
  });

  it('rejects wrong credentials with 401 and missing fields with 400, in the v1 envelope', async () => {
    const sandbox = createPersonioSandbox();
    const wrong = await postAuth(sandbox, { client_id: 'sandbox-full', client_secret: 'nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ success: false, error: { code: 401, message: expect.any(String) } });
    const missing = await postAuth(sandbox, { client_id: 'sandbox-full' });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ success: false, error: { code: 400, message: expect.any(String) } });
    const malformedJson = await sandbox.fetch(
      new Request('http://sandbox.test/v1/auth', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"client_id":',
      }),
    );
    expect(malformedJson.status).toBe(400);
  });

  it('expires tokens after the TTL on the injected clock and then issues a new one', async () => {
    let nowMs = Date.UTC(2026, 2, 1);
    const sandbox = createPersonioSandbox({ tokenTtlSeconds: 60, now: () => new Date(nowMs) });
    const token = await tokenFor(sandbox, SANDBOX_CREDENTIALS.full);
    nowMs += 45_000;
    const again = await postAuth(sandbox, credentialFields(SANDBOX_CREDENTIALS.full));
    expect(again.body.data).toMatchObject({ token, expires_in: 15 });
    expect((await getJson(sandbox, '/company/employees?limit=1', bearer(token))).status).toBe(200);

    nowMs += 15_000;
    const expired = await getJson(sandbox, '/company/employees?limit=1', bearer(token));
    expect(expired.status).toBe(401);
    expect(expired.body).toEqual({
      success: false,
      error: { code: 401, message: 'Provided authorization is not valid' },
    });
    const renewed = await tokenFor(sandbox, SANDBOX_CREDENTIALS.full);
    expect(renewed).not.toBe(token);
    expect((await getJson(sandbox, '/company/employees?limit=1', bearer(renewed))).status).toBe(200);
  });

  it('expireTokens() revokes every issued token', async () => {
    const sandbox = createPersonioSandbox();
    const token = await tokenFor(sandbox, SANDBOX_CREDENTIALS.full);
    expect((await getJson(sandbox, '/company/employees/attributes', bearer(token))).status).toBe(200);
    sandbox.expireTokens();
    const revoked = await getJson(sandbox, '/company/employees/attributes', bearer(token));
    expect(revoked.status).toBe(401);
    const renewed = await tokenFor(sandbox, SANDBOX_CREDENTIALS.full);
    expect(renewed).not.toBe(token);
    expect((await getJson(sandbox, '/company/employees/attributes', bearer(renewed))).status).toBe(200);
  });

  it.each([
    ['no header', undefined, 401, 'Authorization is not provided'],
    ['an empty bearer', 'Bearer ', 401, 'Authorization is not provided'],
    ['an unknown papi- token', 'Bearer papi-unknown', 401, 'Provided authorization is not valid'],
    ['a token that is not a papi- token', 'Bearer abc', 403, 'Provided authorization is not valid'],
    ['another scheme', 'Basic c2FuZGJveDpzZWNyZXQ=', 403, 'Provided authorization is not valid'],
  ])('resource calls with %s are rejected', async (_name, authorization, status, message) => {
    const sandbox = createPersonioSandbox();
    for (const path of ['/company/employees', '/company/employees/1001', '/company/employees/attributes']) {
      const response = await getJson(sandbox, path, authorization);
      expect(response.status).toBe(status);
      expect(response.body).toEqual({ success: false, error: { code: status, message } });
      expect(response.headers.get('authorization')).toBeNull();
    }
  });

  it('echoes the bearer token in the Authorization header of successful resource responses only', async () => {
    const sandbox = createPersonioSandbox();
    const token = await tokenFor(sandbox, SANDBOX_CREDENTIALS.full);
    const ok = await getJson(sandbox, '/company/employees?limit=1', bearer(token));
    expect(ok.headers.get('authorization')).toBe(`Bearer ${token}`);
    const notFound = await getJson(sandbox, '/company/employees/1', bearer(token));
    expect(notFound.status).toBe(404);
    expect(notFound.headers.get('authorization')).toBeNull();
  });
});

describe('GET /company/employees paging', () => {
  let sandbox: PersonioSandbox;
  let token: string;
  beforeAll(async () => {
    sandbox = createPersonioSandbox({ employees: 1000, seed: 11 });
    token = await tokenFor(sandbox, SANDBOX_CREDENTIALS.full);
  });

  it('defaults to limit 50 and offset 0', async () => {
    const { status, body } = await getJson(sandbox, '/company/employees', bearer(token));
    expect(status).toBe(200);
    expect(body).toMatchObject({
      success: true,
      offset: 0,
      limit: 50,
      metadata: { total_elements: 1000, current_page: 0, total_pages: 20 },
    });
    expect(idsOf([body])).toEqual(sandbox.employeeIds().slice(0, 50));
  });

  it('accepts limit 100 and rejects 101 with a message naming the maximum', async () => {
    expect((await getJson(sandbox, '/company/employees?limit=100', bearer(token))).body.data).toHaveLength(
      100,
    );
    const tooMany = await getJson(sandbox, '/company/employees?limit=101', bearer(token));
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toEqual({
      success: false,
      error: { code: 400, message: expect.stringContaining('100') },
    });
  });

  it.each(['0', '-5', '1.5', 'ten'])('rejects limit=%s with 400', async (limit) => {
    const { status, body } = await getJson(sandbox, `/company/employees?limit=${limit}`, bearer(token));
    expect(status).toBe(400);
    expect(body.success).toBe(false);
  });

  it.each(['-1', 'x', '2.5'])('rejects offset=%s with 400', async (offset) => {
    expect((await getJson(sandbox, `/company/employees?offset=${offset}`, bearer(token))).status).toBe(400);
  });

  it.each([100, 7])(
    'walks all 1000 employees exactly once with record offsets and limit %i',
    async (limit) => {
      const pages = await walkEmployeePages(sandbox, token, limit);
      expect(pages).toHaveLength(Math.ceil(1000 / limit));
      pages.forEach((page, pageIndex) => {
        expect(page.offset).toBe(pageIndex * limit);
        expect(page.metadata).toEqual({
          total_elements: 1000,
          current_page: pageIndex,
          total_pages: Math.ceil(1000 / limit),
        });
      });
      const ids = idsOf(pages);
      expect(ids).toEqual(sandbox.employeeIds());
      expect(new Set(ids).size).toBe(1000);
    },
  );

  it('uses record offsets, not page numbers', async () => {
    const { body } = await getJson(sandbox, '/company/employees?limit=10&offset=15', bearer(token));
    expect(idsOf([body])).toEqual(sandbox.employeeIds().slice(15, 25));
    expect(body.metadata.current_page).toBe(1);
  });

  it('answers an offset past the end with an empty page', async () => {
    const { status, body } = await getJson(sandbox, '/company/employees?limit=10&offset=5000', bearer(token));
    expect(status).toBe(200);
    expect(body.data).toEqual([]);
    expect(body.metadata.total_elements).toBe(1000);
  });

  it('seeds ascending ids from 1001 with gaps', () => {
    const ids = sandbox.employeeIds();
    expect(ids[0]).toBe(1001);
    for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1] ?? 0);
    expect(ids.at(-1)! - ids[0]!).toBeGreaterThan(ids.length);
  });
});

describe('GET /company/employees filters', () => {
  let sandbox: PersonioSandbox;
  let token: string;
  let everyone: Body[];
  beforeAll(async () => {
    sandbox = createPersonioSandbox({ employees: 300, seed: 5 });
    token = await tokenFor(sandbox, SANDBOX_CREDENTIALS.full);
    everyone = (await walkEmployeePages(sandbox, token, 100)).flatMap((page) => page.data);
  });

  it('email filter matches exactly and case-insensitively, still returning a list', async () => {
    const target = everyone[123];
    const email: string = attributeValue(target, 'email');
    const { body } = await getJson(
      sandbox,
      `/company/employees?email=${encodeURIComponent(email.toUpperCase())}`,
      bearer(token),
    );
    expect(body.metadata.total_elements).toBe(1);
    expect(body.data).toEqual([target]);

    const partial = await getJson(
      sandbox,
      `/company/employees?email=${encodeURIComponent(email.slice(1))}`,
      bearer(token),
    );
    expect(partial.body.data).toEqual([]);
    expect(partial.body.metadata).toEqual({ total_elements: 0, current_page: 0, total_pages: 0 });

    const pastIt = await getJson(
      sandbox,
      `/company/employees?email=${encodeURIComponent(email)}&offset=1`,
      bearer(token),
    );
    expect(pastIt.body.data).toEqual([]);
    expect(pastIt.body.metadata.total_elements).toBe(1);
  });

  it('updated_since keeps employees modified strictly after the instant, across pages', async () => {
    const threshold: string = attributeValue(everyone[42], 'last_modified_at');
    const thresholdMs = Date.parse(threshold);
    const expected = everyone
      .filter((e) => Date.parse(attributeValue(e, 'last_modified_at')) > thresholdMs)
      .map((e) => attributeValue(e, 'id'));
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(everyone.length);
    expect(expected).not.toContain(attributeValue(everyone[42], 'id'));

    const pages = await walkEmployeePages(
      sandbox,
      token,
      7,
      `&updated_since=${encodeURIComponent(threshold)}`,
    );
    expect(idsOf(pages)).toEqual(expected);
    expect(pages[0].metadata.total_elements).toBe(expected.length);
  });

  it('updated_since accepts YYYY-MM-DD and offset-less date-times (as UTC)', async () => {
    const countAfter = (ms: number) =>
      everyone.filter((e) => Date.parse(attributeValue(e, 'last_modified_at')) > ms).length;
    const byDay = await getJson(
      sandbox,
      '/company/employees?updated_since=2025-01-01&limit=1',
      bearer(token),
    );
    expect(byDay.body.metadata.total_elements).toBe(countAfter(Date.UTC(2025, 0, 1)));
    const byTime = await getJson(
      sandbox,
      '/company/employees?updated_since=2024-06-30T08:15:30&limit=1',
      bearer(token),
    );
    expect(byTime.body.metadata.total_elements).toBe(countAfter(Date.UTC(2024, 5, 30, 8, 15, 30)));
  });

  it.each(['yesterday', '2024-02-30', '2024-13-01', '2024-01-01T25:00:00'])(
    'rejects updated_since=%s with 400',
    async (value) => {
      const { status, body } = await getJson(
        sandbox,
        `/company/employees?updated_since=${value}`,
        bearer(token),
      );
      expect(status).toBe(400);
      expect(body.error.code).toBe(400);
    },
  );

  it('email and updated_since combine', async () => {
    const target = everyone[10];
    const email = encodeURIComponent(attributeValue(target, 'email'));
    const modified = Date.parse(attributeValue(target, 'last_modified_at'));
    const before = new Date(modified - 1000).toISOString();
    const at = new Date(modified).toISOString();
    const hit = await getJson(
      sandbox,
      `/company/employees?email=${email}&updated_since=${before}`,
      bearer(token),
    );
    const miss = await getJson(
      sandbox,
      `/company/employees?email=${email}&updated_since=${at}`,
      bearer(token),
    );
    expect(idsOf([hit.body])).toEqual([attributeValue(target, 'id')]);
    expect(miss.body.data).toEqual([]);
  });

  it('attributes[] projects to the requested keys plus id', async () => {
    const { body } = await getJson(
      sandbox,
      '/company/employees?limit=5&attributes[]=last_name&attributes[]=dynamic_1001&attributes[]=no_such_key',
      bearer(token),
    );
    for (const employee of body.data) {
      expect(Object.keys(employee.attributes)).toEqual(['id', 'last_name', 'dynamic_1001']);
    }
    expect(body.data.map((e: Body) => e.attributes.last_name)).toEqual(
      everyone.slice(0, 5).map((e) => e.attributes.last_name),
    );
  });
});

describe('whitelisting', () => {
  const narrow: SandboxCredential = {
    clientId: 'narrow',
    clientSecret: 'narrow-secret',
    whitelist: ['first_name', 'supervisor'],
  };
  let sandbox: PersonioSandbox;
  const tokens: Record<string, string> = {};
  beforeAll(async () => {
    sandbox = createPersonioSandbox({
      employees: 50,
      credentials: [SANDBOX_CREDENTIALS.full, SANDBOX_CREDENTIALS.limited, narrow],
    });
    for (const credential of [SANDBOX_CREDENTIALS.full, SANDBOX_CREDENTIALS.limited, narrow]) {
      tokens[credential.clientId] = await tokenFor(sandbox, credential);
    }
  });
  const limitedKeys = SANDBOX_CREDENTIALS.limited.whitelist ?? [];

  it('the limited credential sees only whitelisted attributes in lists, single gets and /attributes', async () => {
    const token = bearer(tokens['sandbox-limited']!);
    const list = await getJson(sandbox, '/company/employees?limit=50', token);
    for (const employee of list.body.data)
      expect(Object.keys(employee.attributes).sort()).toEqual([...limitedKeys].sort());

    const single = await getJson(sandbox, `/company/employees/${sandbox.employeeIds()[7]}`, token);
    expect(Object.keys(single.body.data.attributes).sort()).toEqual([...limitedKeys].sort());

    for (const path of ['/company/employees/attributes', '/company/employees/custom-attributes']) {
      const { body } = await getJson(sandbox, path, token);
      expect(body.data.map((a: Body) => a.key).sort()).toEqual([...limitedKeys].sort());
    }
  });

  it('projection cannot widen the whitelist', async () => {
    const { body } = await getJson(
      sandbox,
      '/company/employees?limit=3&attributes[]=email&attributes[]=position',
      bearer(tokens['sandbox-limited']!),
    );
    for (const employee of body.data) expect(Object.keys(employee.attributes)).toEqual(['id', 'email']);
  });

  it('id is readable even when not whitelisted, and nested supervisors carry only readable keys', async () => {
    const { body } = await getJson(sandbox, '/company/employees?limit=50', bearer(tokens.narrow!));
    const withSupervisor = body.data.filter((e: Body) => e.attributes.supervisor.value !== null);
    expect(withSupervisor.length).toBeGreaterThan(0);
    for (const employee of body.data)
      expect(Object.keys(employee.attributes)).toEqual(['id', 'first_name', 'supervisor']);
    for (const employee of withSupervisor) {
      expect(Object.keys(employee.attributes.supervisor.value.attributes)).toEqual(['id', 'first_name']);
    }
    const attributeKeys = (await getJson(sandbox, '/company/employees/attributes', bearer(tokens.narrow!)))
      .body.data;
    expect(attributeKeys.map((a: Body) => a.key)).toEqual(['id', 'first_name', 'supervisor']);
  });

  it('the full credential sees every attribute including custom ones', async () => {
    const { body } = await getJson(sandbox, '/company/employees/attributes', bearer(tokens['sandbox-full']!));
    const byKey = new Map(body.data.map((a: Body) => [a.key, a]));
    expect(byKey.get('dynamic_1001')).toEqual({
      key: 'dynamic_1001',
      label: 'Shirt size',
      type: 'list',
      universal_id: null,
      options: ['S', 'M', 'L', 'XL'],
    });
    expect(byKey.get('dynamic_1002')).toMatchObject({
      label: 'Date of birth',
      type: 'date',
      universal_id: 'date_of_birth',
    });
    expect(byKey.get('dynamic_1003')).toMatchObject({
      label: 'Emergency contact',
      type: 'standard',
      universal_id: null,
    });
    const employee = (await getJson(sandbox, '/company/employees?limit=1', bearer(tokens['sandbox-full']!)))
      .body.data[0];
    expect(Object.keys(employee.attributes).sort()).toEqual([...byKey.keys()].sort());
  });
});

describe('single employee and routing', () => {
  let sandbox: PersonioSandbox;
  let token: string;
  beforeAll(async () => {
    sandbox = createPersonioSandbox({ employees: 40 });
    token = await tokenFor(sandbox, SANDBOX_CREDENTIALS.full);
  });

  it('returns the same employee as the list does', async () => {
    const list = await getJson(sandbox, '/company/employees?limit=40', bearer(token));
    const id = sandbox.employeeIds()[17];
    const single = await getJson(sandbox, `/company/employees/${id}`, bearer(token));
    expect(single.body).toEqual({ success: true, data: list.body.data[17] });
  });

  it.each(['999999', '1000', 'abc', '1001.0'])('answers 404 for employee id %s', async (id) => {
    const { status, body } = await getJson(sandbox, `/company/employees/${id}`, bearer(token));
    expect(status).toBe(404);
    expect(body).toEqual({ success: false, error: { code: 404, message: expect.any(String) } });
  });

  it('answers 404 for an id skipped by the seeding gaps', async () => {
    const ids = sandbox.employeeIds();
    const gap = ids.findIndex((id, index) => index > 0 && id - (ids[index - 1] ?? id) > 1);
    const missing = (ids[gap - 1] ?? 0) + 1;
    expect((await getJson(sandbox, `/company/employees/${missing}`, bearer(token))).status).toBe(404);
  });

  it.each(['/nothing', '/v3/persons', '/company/employees/1001/unknown'])(
    'answers 404 in the v1 envelope for %s',
    async (path) => {
      const response = await sandbox.fetch(
        new Request(`http://sandbox.test${path.startsWith('/v3') ? path : `/v1${path}`}`, {
          headers: { authorization: bearer(token) },
        }),
      );
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({
        success: false,
        error: { code: 404, message: expect.any(String) },
      });
    },
  );
});

describe('seeded data', () => {
  let sandbox: PersonioSandbox;
  let employees: Body[];
  beforeAll(async () => {
    sandbox = createPersonioSandbox({ employees: 1000, seed: 21 });
    const token = await tokenFor(sandbox, SANDBOX_CREDENTIALS.full);
    employees = (await walkEmployeePages(sandbox, token, 100)).flatMap((page) => page.data);
  });
  const values = (key: string) => employees.map((e) => attributeValue(e, key));

  it('has unique lower-case e-mails and realistic enumerations', () => {
    const emails = values('email');
    expect(new Set(emails).size).toBe(employees.length);
    for (const email of emails) expect(email).toMatch(/^[a-z]+\.[a-z]+\.\d+@example-company\.test$/);
    expect(new Set(values('status'))).toEqual(new Set(['active', 'onboarding', 'leave', 'inactive']));
    expect(new Set(values('gender'))).toEqual(new Set(['male', 'female', 'diverse']));
    expect(new Set(values('employment_type'))).toEqual(new Set(['internal', 'external']));
    for (const hours of values('weekly_working_hours')) expect(hours).toMatch(/^\d+(\.\d+)?$/);
    expect(values('preferred_name')).toContain('');
    expect(values('preferred_name').some((name) => name !== '')).toBe(true);
  });

  it('renders dates like Personio and keeps them consistent', () => {
    const dateWithOffset = /^\d{4}-\d{2}-\d{2}T00:00:00\+0[12]:00$/;
    const timestamp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0[12]:00$/;
    for (const employee of employees) {
      expect(attributeValue(employee, 'hire_date')).toMatch(dateWithOffset);
      expect(attributeValue(employee, 'created_at')).toMatch(timestamp);
      const created = Date.parse(attributeValue(employee, 'created_at'));
      const modified = Date.parse(attributeValue(employee, 'last_modified_at'));
      expect(modified).toBeGreaterThanOrEqual(created);
      expect(modified).toBeLessThan(Date.UTC(2026, 0, 1));
      expect(created).toBeGreaterThanOrEqual(Date.UTC(2022, 11, 1));
      const termination = attributeValue(employee, 'termination_date');
      if (attributeValue(employee, 'status') === 'inactive') {
        expect(termination).toMatch(dateWithOffset);
        expect(Date.parse(termination)).toBeGreaterThan(Date.parse(attributeValue(employee, 'hire_date')));
      } else {
        expect(termination).toBeNull();
      }
      const birthday = attributeValue(employee, 'dynamic_1002');
      if (birthday !== null) expect(birthday).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(['', 'S', 'M', 'L', 'XL']).toContain(attributeValue(employee, 'dynamic_1001'));
    }
    // Summer and winter offsets both occur (Europe/Berlin DST).
    expect(new Set(values('created_at').map((v: string) => v.slice(-6)))).toEqual(
      new Set(['+01:00', '+02:00']),
    );
  });

  it('links supervisors to existing employees with lower ids', () => {
    const byId = new Map(employees.map((e) => [attributeValue(e, 'id'), e]));
    expect(attributeValue(employees[0], 'supervisor')).toBeNull();
    let linked = 0;
    for (const employee of employees) {
      const supervisor = attributeValue(employee, 'supervisor');
      if (supervisor === null) continue;
      linked++;
      expect(supervisor.type).toBe('Employee');
      const supervisorId = supervisor.attributes.id.value;
      expect(supervisorId).toBeLessThan(attributeValue(employee, 'id'));
      const target = byId.get(supervisorId);
      expect(supervisor.attributes.last_name).toEqual(target.attributes.last_name);
      expect(supervisor.attributes.email).toEqual(target.attributes.email);
    }
    expect(linked).toBeGreaterThan(employees.length * 0.9);
  });

  it('nests organisation relations and cost centres like the spec example', () => {
    for (const employee of employees) {
      for (const [key, type] of [
        ['department', 'Department'],
        ['office', 'Office'],
        ['team', 'Team'],
        ['subcompany', 'Subcompany'],
      ] as const) {
        expect(attributeValue(employee, key)).toEqual({
          type,
          attributes: { id: expect.any(Number), name: expect.any(String) },
        });
      }
      const costCenters = attributeValue(employee, 'cost_centers');
      expect(costCenters.length).toBeGreaterThanOrEqual(1);
      expect(costCenters.length).toBeLessThanOrEqual(2);
      expect(costCenters.every((c: Body) => c.type === 'CostCenter')).toBe(true);
      expect(costCenters.reduce((sum: number, c: Body) => sum + c.attributes.percentage, 0)).toBe(100);
      const picture = attributeValue(employee, 'profile_picture');
      if (picture !== null) {
        expect(picture).toBe(
          `https://api.personio.de/v1/company/employees/${attributeValue(employee, 'id')}/profile-picture`,
        );
      }
    }
    expect(values('profile_picture')).toContain(null);
  });
});

describe('determinism', () => {
  const dump = async (options: { employees: number; seed?: number; now?: () => Date }) => {
    const sandbox = createPersonioSandbox(options);
    const token = await tokenFor(sandbox, SANDBOX_CREDENTIALS.full);
    const pages = await walkEmployeePages(sandbox, token, 100);
    const single = await getJson(sandbox, `/company/employees/${sandbox.employeeIds()[99]}`, bearer(token));
    return JSON.stringify({ pages, single: single.body });
  };

  it('same seed and size produce identical JSON, independent of the clock', async () => {
    const first = await dump({ employees: 300, seed: 3 });
    const second = await dump({ employees: 300, seed: 3, now: () => new Date('2031-05-05T00:00:00Z') });
    expect(second).toBe(first);
  });

  it('a different seed produces different data', async () => {
    expect(await dump({ employees: 300, seed: 4 })).not.toBe(await dump({ employees: 300, seed: 3 }));
  });

  it('rejects sizes outside 10..100000', () => {
    expect(() => createPersonioSandbox({ employees: 9 })).toThrow(RangeError);
    expect(() => createPersonioSandbox({ employees: 100_001 })).toThrow(RangeError);
    expect(() => createPersonioSandbox({ employees: 12.5 })).toThrow(RangeError);
  });
});

describe('100,000 employees', () => {
  it('serves the last page and the last id without a full walk', async () => {
    const sandbox = createPersonioSandbox({ employees: 100_000, seed: 9 });
    expect(sandbox.employeeCount).toBe(100_000);
    const ids = sandbox.employeeIds();
    expect(ids).toHaveLength(100_000);
    const token = await tokenFor(sandbox, SANDBOX_CREDENTIALS.full);
    const { body } = await getJson(sandbox, '/company/employees?limit=100&offset=99900', bearer(token));
    expect(body.metadata).toEqual({ total_elements: 100_000, current_page: 999, total_pages: 1000 });
    expect(idsOf([body])).toEqual(ids.slice(-100));
    const last = await getJson(sandbox, `/company/employees/${ids.at(-1)}`, bearer(token));
    expect(last.body.data).toEqual(body.data.at(-1));
    const email = encodeURIComponent(attributeValue(body.data[50], 'email'));
    const found = await getJson(sandbox, `/company/employees?email=${email}`, bearer(token));
    expect(found.body.data).toEqual([body.data[50]]);
  });
});

describe('stats', () => {
  it('counts auth calls, requests and requests per route pattern', async () => {
    const sandbox = createPersonioSandbox();
    const { stats } = sandbox;
    await tokenFor(sandbox, SANDBOX_CREDENTIALS.full);
    expect(stats.byRoute).toEqual({ 'POST /v1/auth': 1 });
    sandbox.resetStats();
    expect(sandbox.stats).toEqual({
      authCalls: 0,
      v2AuthCalls: 0,
      requests: 0,
      byRoute: {},
      byStatus: {},
      arrivals: [],
    });

    const token = await tokenFor(sandbox, SANDBOX_CREDENTIALS.full);
    await postAuth(sandbox, { client_id: 'x', client_secret: 'y' });
    await getJson(sandbox, '/company/employees', bearer(token));
    await getJson(sandbox, '/company/employees?limit=5&offset=5', bearer(token));
    await getJson(sandbox, '/company/employees');
    const [firstId, secondId] = sandbox.employeeIds();
    await getJson(sandbox, `/company/employees/${firstId}`, bearer(token));
    await getJson(sandbox, `/company/employees/${secondId}`, bearer(token));
    await getJson(sandbox, '/company/employees/attributes', bearer(token));
    await getJson(sandbox, '/nope', bearer(token));

    expect(stats).toBe(sandbox.stats);
    expect(stats).toEqual({
      authCalls: 2,
      v2AuthCalls: 0,
      requests: 9,
      byRoute: {
        'POST /v1/auth': 2,
        'GET /v1/company/employees': 3,
        'GET /v1/company/employees/:employee_id': 2,
        'GET /v1/company/employees/attributes': 1,
        'GET (unmatched)': 1,
      },
      // Resource requests by status: the unauthenticated list call got 401.
      byStatus: { 200: 5, 401: 1 },
      arrivals: [],
    });
  });
});

describe('runtime neutrality', () => {
  // The sandbox is bundled for Cloudflare Workers too: only Web APIs, hono and zod may be used.
  const sourceDir = new URL('../../src/sandbox/personio/', import.meta.url);
  const sources = readdirSync(sourceDir, { recursive: true, encoding: 'utf8' }).filter((name) =>
    name.endsWith('.ts'),
  );

  it.each(sources)('%s imports only relative modules, hono or zod and uses no Node globals', (name) => {
    const source = readFileSync(new URL(name, sourceDir), 'utf8');
    const specifiers = [...source.matchAll(/\bfrom\s+'([^']+)'|\bimport\(\s*'([^']+)'/g)].map(
      (m) => m[1] ?? m[2],
    );
    for (const specifier of specifiers) expect(specifier).toMatch(/^(\.\.?\/|hono(\/|$)|zod(\/|$))/);
    expect(source).not.toMatch(/\b(Buffer|process|require|__dirname)\b/);
  });

  it('covers every source file', () => {
    expect(sources).toContain('index.ts');
    expect(sources.length).toBeGreaterThanOrEqual(5);
  });
});
