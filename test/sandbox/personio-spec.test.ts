import type { ValidateFunction } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createPersonioSandbox,
  SANDBOX_CREDENTIALS,
  type SandboxCredential,
} from '../../src/sandbox/personio/index';
import {
  ATTRIBUTE_LIST_SCHEMA_FROM_EXAMPLE,
  AUTH_SPEC_FILE,
  buildValidators,
  describeErrors,
  EMPLOYEE_ITEM_STRICT_SCHEMA,
  type Json,
  loadSpec,
  officialExample,
  PERSONNEL_ERRATA,
  PERSONNEL_SPEC_FILE,
  patchedSpec,
} from './personio-openapi';
import { bearer, getJson, postAuth, tokenFor } from './sandbox-client';

const rawPersonnelSpec = loadSpec(PERSONNEL_SPEC_FILE);
const personnelSpec = patchedSpec(rawPersonnelSpec, PERSONNEL_ERRATA);
const authSpec = loadSpec(AUTH_SPEC_FILE);

const personnel = buildValidators(personnelSpec, 'personio-personnel-data');
const unpatched = buildValidators(rawPersonnelSpec, 'personio-personnel-data-unpatched');
const auth = buildValidators(authSpec, 'personio-auth');

const validateList = personnel.forOperation('/company/employees', 'get', '200');
const validateSingle = personnel.forOperation('/company/employees/{employee_id}', 'get', '200');
const validateEmployee404 = personnel.forOperation('/company/employees/{employee_id}', 'get', '404');
const validateAttributeList = personnel.forSchema(ATTRIBUTE_LIST_SCHEMA_FROM_EXAMPLE);
const validateEmployeeItemStrict = personnel.forSchema(EMPLOYEE_ITEM_STRICT_SCHEMA);
const validateUnauthorized = personnel.forSharedResponse('401UnauthorizedResponse');
const validateForbidden = personnel.forSharedResponse('403ForbiddenResponse');
const validateAuth = auth.forOperation('/auth', 'post', '200');

function expectValid(validate: ValidateFunction, body: unknown): void {
  const valid = validate(body);
  expect(valid, describeErrors(validate)).toBe(true);
}

function expectEmployeesStrict(items: Json[]): void {
  for (const item of items) expectValid(validateEmployeeItemStrict, item);
}

const sandbox = createPersonioSandbox({ employees: 250, seed: 7 });
const tokens: Record<'full' | 'limited', string> = { full: '', limited: '' };

const authenticate = (credential: SandboxCredential) =>
  postAuth(sandbox, { client_id: credential.clientId, client_secret: credential.clientSecret });

async function get(
  path: string,
  token?: string,
): Promise<{ status: number; body: Json; contentType: string }> {
  const { status, body, headers } = await getJson(
    sandbox,
    path,
    token === undefined ? undefined : bearer(token),
  );
  return { status, body, contentType: headers.get('content-type') ?? '' };
}

beforeAll(async () => {
  tokens.full = await tokenFor(sandbox, SANDBOX_CREDENTIALS.full);
  tokens.limited = await tokenFor(sandbox, SANDBOX_CREDENTIALS.limited);
});

describe('spec errata and gaps', () => {
  it('E1: the unpatched list schema rejects even the official list example; the patched one accepts it', () => {
    const example = officialExample(rawPersonnelSpec, '/company/employees', 'get', '200');
    const rawValidate = unpatched.forOperation('/company/employees', 'get', '200');
    expect(rawValidate(example)).toBe(false);
    expect(describeErrors(rawValidate)).toContain('/data must be object');
    expectValid(validateList, example);
  });

  it('E2: a null supervisor is accepted only because of the documented assumption', () => {
    const example = structuredClone(
      officialExample(rawPersonnelSpec, '/company/employees/{employee_id}', 'get', '200'),
    );
    example.data.attributes.supervisor.value = null;
    expect(unpatched.forOperation('/company/employees/{employee_id}', 'get', '200')(example)).toBe(false);
    expectValid(validateSingle, example);
  });

  it('E2: the sandbox really sends a null supervisor for its first employee, and it validates', async () => {
    const { body } = await get(`/company/employees/${sandbox.employeeIds()[0]}`, tokens.full);
    expect(body.data.attributes.supervisor.value).toBeNull();
    expectValid(validateSingle, body);
  });

  it('errata refuse to apply when their target node changed', () => {
    const drifted = structuredClone(rawPersonnelSpec);
    drifted.components.schemas.Response.properties.data.type = 'array';
    expect(() => patchedSpec(drifted, PERSONNEL_ERRATA)).toThrow(/E1-employee-list-data-is-array/);
  });

  it('the attributes endpoint still has no schema, and the derived schema fits its official example', () => {
    const operation = rawPersonnelSpec.paths['/company/employees/attributes'].get;
    expect(operation.responses['200'].content['application/json'].schema).toBeUndefined();
    expectValid(
      validateAttributeList,
      officialExample(rawPersonnelSpec, '/company/employees/attributes', 'get', '200'),
    );
  });

  it('the strict attribute-object check agrees with every official employee example', () => {
    const list = officialExample(rawPersonnelSpec, '/company/employees', 'get', '200');
    const single = officialExample(rawPersonnelSpec, '/company/employees/{employee_id}', 'get', '200');
    expectEmployeesStrict([...list.data, single.data]);
  });
});

describe('POST /v1/auth', () => {
  it('success matches AuthenticationTokenResponse', async () => {
    const { status, body } = await authenticate(SANDBOX_CREDENTIALS.full);
    expect(status).toBe(200);
    expectValid(validateAuth, body);
  });

  it('wrong credentials answer with the v1 error envelope', async () => {
    const { status, body } = await authenticate({ clientId: 'sandbox-full', clientSecret: 'wrong' });
    expect(status).toBe(401);
    expectValid(validateUnauthorized, body);
  });
});

describe('GET /v1/company/employees', () => {
  it.each([
    ['full, first page (includes the supervisor-less first employee)', 'full', '?limit=100&offset=0'],
    ['full, middle page', 'full', '?limit=100&offset=100'],
    ['full, last partial page', 'full', '?limit=100&offset=200'],
    ['full, default limit', 'full', ''],
    ['limited, first page', 'limited', '?limit=100'],
    ['limited, last page', 'limited', '?limit=30&offset=240'],
    ['full, projection', 'full', '?attributes[]=first_name&attributes[]=supervisor&limit=20'],
    ['full, updated_since', 'full', '?updated_since=2025-06-01&limit=100'],
  ] as const)('%s matches EmployeesResponse', async (_name, credential, query) => {
    const { status, body, contentType } = await get(`/company/employees${query}`, tokens[credential]);
    expect(status).toBe(200);
    expect(contentType).toContain('application/json');
    expect(body.data.length).toBeGreaterThan(0);
    expectValid(validateList, body);
    expectEmployeesStrict(body.data);
  });

  it('email filter result matches EmployeesResponse', async () => {
    const page = await get('/company/employees?limit=3&offset=17', tokens.full);
    const email = page.body.data[1].attributes.email.value;
    const { status, body } = await get(`/company/employees?email=${encodeURIComponent(email)}`, tokens.full);
    expect(status).toBe(200);
    expect(body.data).toHaveLength(1);
    expectValid(validateList, body);
    expectEmployeesStrict(body.data);
  });

  it('an empty result is still a valid list', async () => {
    const { body } = await get('/company/employees?email=nobody%40example.test', tokens.full);
    expect(body.data).toEqual([]);
    expectValid(validateList, body);
  });
});

describe('GET /v1/company/employees/{employee_id}', () => {
  it.each(['full', 'limited'] as const)('matches EmployeeResponse (%s credential)', async (credential) => {
    for (const id of sandbox.employeeIds().slice(0, 5)) {
      const { status, body } = await get(`/company/employees/${id}`, tokens[credential]);
      expect(status).toBe(200);
      expectValid(validateSingle, body);
      expectEmployeesStrict([body.data]);
    }
  });

  it('unknown id matches the documented 404 body', async () => {
    const { status, body } = await get('/company/employees/999999', tokens.full);
    expect(status).toBe(404);
    expectValid(validateEmployee404, body);
    expect(body).toMatchObject({ success: false, error: { code: 404 } });
  });
});

describe('GET /v1/company/employees/attributes (+ custom-attributes alias)', () => {
  it.each([
    ['/company/employees/attributes', 'full'],
    ['/company/employees/attributes', 'limited'],
    ['/company/employees/custom-attributes', 'full'],
  ] as const)('%s (%s) matches the example-derived schema', async (path, credential) => {
    const { status, body } = await get(path, tokens[credential]);
    expect(status).toBe(200);
    expectValid(validateAttributeList, body);
  });
});

describe('error bodies', () => {
  it('missing token is exactly the spec 401 example', async () => {
    const { status, body } = await get('/company/employees');
    expect(status).toBe(401);
    expectValid(validateUnauthorized, body);
    expect(body).toEqual(personnelSpec.components.examples['401UnauthorizedErrorExample'].value);
  });

  it('a non-papi token is exactly the spec 403 example', async () => {
    const { status, body } = await get('/company/employees', 'not-a-personio-token');
    expect(status).toBe(403);
    expectValid(validateForbidden, body);
    expect(body).toEqual(personnelSpec.components.examples['403ForbiddenErrorExample'].value);
  });

  it('an unknown route answers 404 in the v1 error envelope', async () => {
    const { status, body } = await get('/company/nothing-here', tokens.full);
    expect(status).toBe(404);
    expectValid(validateUnauthorized, body);
    expect(body.success).toBe(false);
  });
});

describe('the validators reject malformed bodies', () => {
  let listBody: Json;
  let singleBody: Json;
  beforeAll(async () => {
    listBody = (await get('/company/employees?limit=2', tokens.full)).body;
    singleBody = (await get(`/company/employees/${sandbox.employeeIds()[3]}`, tokens.full)).body;
    expectValid(validateList, listBody);
    expectValid(validateSingle, singleBody);
  });

  const mutate = (body: Json, change: (copy: Json) => void): Json => {
    const copy = structuredClone(body);
    change(copy);
    return copy;
  };

  it.each([
    ['data is an object, not an array', (b: Json) => (b.data = b.data[0])],
    ['metadata lacks total_pages', (b: Json) => delete b.metadata.total_pages],
    ['success is missing', (b: Json) => delete b.success],
    ['an attribute type is outside TypeEnum', (b: Json) => (b.data[0].attributes.first_name.type = 'text')],
    [
      'department attributes lack the required name',
      (b: Json) => delete b.data[0].attributes.department.value.attributes.name,
    ],
    ['offset is a string', (b: Json) => (b.offset = '0,')],
  ])('list: %s', (_name, change) => {
    expect(validateList(mutate(listBody, change))).toBe(false);
  });

  it('single: data as an array is rejected', () => {
    expect(validateSingle(mutate(singleBody, (b) => (b.data = [b.data])))).toBe(false);
  });

  it('an attribute without label passes the lax spec but fails the strict attribute check', () => {
    const body = mutate(listBody, (b) => delete b.data[0].attributes.email.label);
    expect(validateList(body)).toBe(true);
    expect(validateEmployeeItemStrict(body.data[0])).toBe(false);
  });

  it('attribute list: an entry without key or with an unknown type is rejected', async () => {
    const { body } = await get('/company/employees/attributes', tokens.full);
    expect(validateAttributeList(mutate(body, (b) => delete b.data[0].key))).toBe(false);
    expect(validateAttributeList(mutate(body, (b) => (b.data[0].type = 'number')))).toBe(false);
  });

  it('auth: a response without token is rejected', () => {
    expect(validateAuth({ success: true, data: { expires_in: 86400 } })).toBe(false);
  });

  it('error: a string code or non-boolean success is rejected', () => {
    expect(validateUnauthorized({ success: false, error: { code: '401', message: 'x' } })).toBe(false);
    expect(validateUnauthorized({ success: 'false', error: { code: 401, message: 'x' } })).toBe(false);
  });
});
