import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, revokeApiKey } from '../../src/db/queries/api-keys';
import {
  createPersonioSandbox,
  createTenant,
  openStorage,
  SANDBOX_CREDENTIALS,
  type Storage,
  startGateway,
  type Tenant,
  type TestGateway,
} from '../support/gateway';
import { namesLinkedAccount, type Operation, operations, requestBodySchema } from '../support/openapi';
import { buildOperationRequest } from '../support/operation-requests';
import { schemaErrors } from '../support/response-validator';

/**
 * Generated from openapi/openapi.json: every operation that declares `security` refuses requests without a
 * valid API key, and every operation that names a linked account hides other environments' accounts. A
 * route added to the document is covered here without a line of this file changing.
 */
const secured = operations.filter((operation) => operation.operation.security?.length);
const withLinkedAccount = secured.filter((operation) =>
  (operation.operation.parameters ?? []).some((parameter) => namesLinkedAccount(parameter)),
);
const label = (operation: Operation) => `${operation.method} ${operation.path}`;

interface ErrorEnvelope {
  error: { code: string; message: string; request_id: string };
}

describe('auth and tenancy on every operation of the OpenAPI document (PostgreSQL + Redis)', () => {
  let storage: Storage;
  let gateway: TestGateway;
  let acme: Tenant;
  let globex: Tenant;
  let revokedKey: string;

  beforeAll(async () => {
    storage = await openStorage('postgres');
    const sandbox = createPersonioSandbox({ employees: 10, seed: 21 });
    const setup = await startGateway(storage, sandbox);
    acme = await createTenant(setup, SANDBOX_CREDENTIALS.full, 'Acme');
    globex = await createTenant(setup, SANDBOX_CREDENTIALS.full, 'Globex');
    // A second key of Acme's own environment, revoked before any use: only the revocation can fail it.
    const second = await createApiKey(setup.deps.db, {
      environmentId: acme.environmentId,
      mode: 'test',
      name: 'old',
    });
    await revokeApiKey(setup.deps.db, {
      environmentId: acme.environmentId,
      id: second.apiKey.id,
      now: new Date(),
    });
    revokedKey = second.secret;
    // Hundreds of wrong keys from one (unknown) address: the failure budget would answer 429 after 20.
    // It has its own suite (auth-failure-budget.test.ts); here every wrong key must meet the 401 itself.
    gateway = await startGateway(storage, sandbox, acme, { env: { AUTH_FAILURE_LIMIT: '0' } });
  });

  afterAll(async () => {
    await storage?.close();
  });

  async function send(operation: Operation, auth: { apiKey: string | null; linkedAccountId: string }) {
    const request = buildOperationRequest(operation, auth);
    const schema = requestBodySchema(operation);
    // The request is valid in every other respect, so what fails is what the test changed.
    if (schema)
      expect(schemaErrors(schema, request.json), `${label(operation)} example body`).toBeUndefined();
    return gateway.app.request(request.path, {
      method: request.method,
      headers: request.headers,
      body: request.body,
    });
  }

  async function expectError(response: Response, status: number, code: string): Promise<ErrorEnvelope> {
    const text = await response.text();
    expect(response.status, text).toBe(status);
    const body = JSON.parse(text) as ErrorEnvelope;
    expect(body.error.code).toBe(code);
    expect(body.error.request_id).toMatch(/^req_[0-9A-Za-z]{22}$/);
    expect(response.headers.get('x-request-id')).toBe(body.error.request_id);
    return body;
  }

  it('covers the whole document', () => {
    expect(secured.map(label)).toEqual(
      expect.arrayContaining([
        'GET /unified/hris/employees',
        'POST /unified/hris/timeoff-requests',
        'GET /proxy/{path}',
        'POST /link-tokens',
        'DELETE /linked-accounts/{id}',
      ]),
    );
    expect(withLinkedAccount.map(label)).toEqual(
      expect.arrayContaining(['GET /unified/hris/timeoff-balances', 'POST /linked-accounts/{id}/check']),
    );
  });

  describe.each(secured.map((operation) => [label(operation), operation] as const))('%s', (_, operation) => {
    it('refuses a request without an API key with 401', async () => {
      const response = await send(operation, { apiKey: null, linkedAccountId: acme.linkedAccountId });
      await expectError(response, 401, 'unauthorized');
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    });

    it('refuses an unknown API key with 401', async () => {
      const forged = `sk_test_${'Q'.repeat(32)}`;
      await expectError(
        await send(operation, { apiKey: forged, linkedAccountId: acme.linkedAccountId }),
        401,
        'unauthorized',
      );
      await expectError(
        await send(operation, { apiKey: 'not-a-key', linkedAccountId: acme.linkedAccountId }),
        401,
        'unauthorized',
      );
    });

    it('refuses a revoked API key with 401', async () => {
      await expectError(
        await send(operation, { apiKey: revokedKey, linkedAccountId: acme.linkedAccountId }),
        401,
        'unauthorized',
      );
    });
  });

  describe.each(withLinkedAccount.map((operation) => [label(operation), operation] as const))(
    '%s',
    (_, operation) => {
      it("answers another environment's linked account with 404, as if it did not exist", async () => {
        const body = await expectError(
          await send(operation, { apiKey: acme.apiKey, linkedAccountId: globex.linkedAccountId }),
          404,
          'not_found',
        );
        expect(body.error.message).toContain(globex.linkedAccountId);
        // Untouched for its own environment (the DELETE above did not delete it).
        const own = await gateway.request(`/linked-accounts/${globex.linkedAccountId}`, {
          apiKey: globex.apiKey,
        });
        expect(own.status).toBe(200);
      });
    },
  );
});
