import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPersonioSandbox,
  createTenant,
  openStorage,
  type Storage,
  startGateway,
  type TestGateway,
} from '../support/gateway';
import { findOperation, operations } from '../support/openapi';
import {
  ResponseContractError,
  validateResponse,
  withResponseValidation,
} from '../support/response-validator';

const json = (body: unknown, status = 200, contentType = 'application/json') =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': contentType } });

const employee = {
  id: '1001',
  first_name: 'Ada',
  last_name: 'Lovelace',
};

/** The check every integration test runs through the shared helpers: it must be able to fail. */
describe('2xx answers are checked against openapi/openapi.json', () => {
  it('finds the operation of a concrete path, static segments first', () => {
    expect(findOperation('GET', '/unified/hris/employees/4711')?.path).toBe('/unified/hris/employees/{id}');
    expect(findOperation('POST', '/linked-accounts/la_x/check')?.path).toBe('/linked-accounts/{id}/check');
    expect(findOperation('GET', '/proxy/company/employees/1/profile-picture/80')?.path).toBe('/proxy/{path}');
    expect(findOperation('GET', '/link/abc')).toBeUndefined();
    expect(operations.length).toBeGreaterThan(10);
  });

  it('refuses a body that does not match the schema, naming what is wrong', async () => {
    const check = validateResponse('GET', '/unified/hris/employees/1001', json({ result: employee }));
    await expect(check).rejects.toThrow(ResponseContractError);
    await expect(check).rejects.toThrow(/must have required property/);
  });

  it('refuses an undeclared 2xx status, a non-JSON body and another content type', async () => {
    await expect(
      validateResponse('GET', '/linked-accounts', json({ result: [], next_cursor: null }, 201)),
    ).rejects.toThrow(/does not declare/);
    await expect(
      validateResponse(
        'GET',
        '/linked-accounts',
        new Response('{', { headers: { 'content-type': 'application/json' } }),
      ),
    ).rejects.toThrow(/not JSON/);
    await expect(
      validateResponse('GET', '/linked-accounts', json({ result: [], next_cursor: null }, 200, 'text/plain')),
    ).rejects.toThrow(/content-type/);
  });

  it('lets errors, pages outside the document and the proxy (Personio shapes its answers) pass', async () => {
    await validateResponse('GET', '/unified/hris/employees', json({ nonsense: true }, 404));
    await validateResponse('GET', '/link/abc', new Response('<html>', { status: 200 }));
    await validateResponse('POST', '/proxy/company/attendances', json({ anything: 1 }, 201));
    await validateResponse('GET', '/linked-accounts', json({ result: [], next_cursor: null }));
  });

  /** An app with the two entry points the helpers use, answering with fixed responses. */
  const fixedApp = (request: () => Response, fetch: () => Response) => ({
    request: async (_input: string | URL | Request) => request(),
    fetch: async (_request: Request) => fetch(),
  });

  it('is applied by withResponseValidation to request() and fetch(), leaving the body readable', async () => {
    const app = withResponseValidation(
      fixedApp(
        () => json({ result: [{}], next_cursor: null }),
        () => json({ result: [], next_cursor: 7 }),
      ),
    );
    await expect(app.request('/linked-accounts')).rejects.toThrow(ResponseContractError);
    await expect(app.fetch(new Request('http://gateway.test/linked-accounts'))).rejects.toThrow(
      ResponseContractError,
    );
    const valid = withResponseValidation(
      fixedApp(
        () => json({ result: [], next_cursor: null }),
        () => json({}),
      ),
    );
    expect(await (await valid.request('/linked-accounts')).json()).toEqual({ result: [], next_cursor: null });
  });

  describe('through the shared gateway helper', () => {
    let storage: Storage;
    let gateway: TestGateway;

    beforeAll(async () => {
      storage = await openStorage('pglite');
      const sandbox = createPersonioSandbox({ employees: 10 });
      const tenant = await createTenant(await startGateway(storage, sandbox));
      gateway = await startGateway(storage, sandbox, tenant);
    });

    afterAll(async () => {
      await storage?.close();
    });

    it('checks the real app, also one assigned to gateway.app later', async () => {
      expect((await gateway.request('/unified/hris/employees?limit=2')).status).toBe(200);
      // An app whose answers break the document: the helper must refuse them, not hand them on.
      const real = gateway.app;
      gateway.app = Object.assign(Object.create(real), {
        request: async () => json({ result: [{ id: 7 }], next_cursor: null }),
      });
      await expect(gateway.request('/unified/hris/employees')).rejects.toThrow(ResponseContractError);
      gateway.app = real;
    });
  });
});
