import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateLinkedAccountSettings } from '../../src/db/queries/linked-accounts';
import type { PersonioSandbox } from '../../src/sandbox/personio';
import {
  createPersonioSandbox,
  createTenant,
  openStorage,
  type Storage,
  startGateway,
  type Tenant,
  type TestGateway,
} from '../support/gateway';

interface ErrorReply {
  error: { code: string; message: string; details?: unknown };
}

/** Inputs that once reached the database or Personio unchecked: each gets a 4xx in the envelope. */
describe('odd input gets a clear 4xx, never a 500', () => {
  let storage: Storage;
  let sandbox: PersonioSandbox;
  let gateway: TestGateway;
  let tenant: Tenant;

  beforeAll(async () => {
    storage = await openStorage('postgres');
    sandbox = createPersonioSandbox({ employees: 20 });
    const setup = await startGateway(storage, sandbox);
    tenant = await createTenant(setup);
    gateway = await startGateway(storage, sandbox, tenant);
  });

  afterAll(async () => {
    await storage?.close();
  });

  const expectError = async (response: Response, status: number, code: string) => {
    const body = (await response.json()) as ErrorReply;
    expect(response.status, JSON.stringify(body)).toBe(status);
    expect(body.error.code).toBe(code);
    return body;
  };

  it.each([
    '/unified/hris/timeoff-requests?start_date=2026-13-45',
    '/unified/hris/timeoff-requests?end_date=2026-02-30',
    '/unified/hris/timeoff-requests?updated_after=0000-01-01',
    '/unified/hris/employees?updated_after=0001-01-01T00:00:00Z',
    '/unified/hris/employees?updated_after=2026-02-30',
  ])('refuses impossible dates: %s', async (path) => {
    await expectError(await gateway.request(path), 400, 'invalid_request');
  });

  it('refuses an impossible date in a new time-off request', async () => {
    const response = await gateway.request('/unified/hris/timeoff-requests', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        employee_id: String(sandbox.employeeIds()[0]),
        timeoff_type_id: '301',
        start_date: '2026-99-99',
        end_date: '2026-99-99',
      }),
    });
    await expectError(response, 400, 'invalid_request');
  });

  it('refuses NUL characters that the database cannot store', async () => {
    await expectError(
      await gateway.request('/linked-accounts?origin_id=a%00b', { linkedAccountId: null }),
      400,
      'invalid_request',
    );
    const created = await gateway.request('/link-tokens', {
      method: 'POST',
      linkedAccountId: null,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ end_user: { origin_id: 'a\u0000b' } }),
    });
    await expectError(created, 400, 'invalid_request');
  });

  it('refuses allowed_origins that would split security headers', async () => {
    const response = await gateway.request('/link-tokens', {
      method: 'POST',
      linkedAccountId: null,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        end_user: { origin_id: 'x' },
        allowed_origins: ['https://a.example,script-src'],
      }),
    });
    const body = await expectError(response, 400, 'invalid_request');
    expect(JSON.stringify(body.error.details)).toContain('allowed_origins');
  });

  it('refuses bodies over 1 MB on JSON routes with 413', async () => {
    const response = await gateway.request('/link-tokens', {
      method: 'POST',
      linkedAccountId: null,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ end_user: { origin_id: 'x', organization_name: 'a'.repeat(2 * 1024 * 1024) } }),
    });
    await expectError(response, 413, 'payload_too_large');
  });

  // (TRACE and CONNECT cannot even be built as a fetch Request; Node's server refuses CONNECT itself.)
  it.each(['PROPFIND', 'LINK', 'PURGE'])('does not forward %s through the proxy', async (method) => {
    sandbox.resetStats();
    const response = await gateway.request('/proxy/company/employees', { method });
    await expectError(response, 405, 'method_not_allowed');
    expect(response.headers.get('allow')).toContain('GET');
    expect(sandbox.stats.requests).toBe(0);
  });

  it('keeps individual absences out of the proxy while the account hides absence details', async () => {
    await updateLinkedAccountSettings(gateway.deps.db, {
      environmentId: tenant.environmentId,
      id: tenant.linkedAccountId,
      settings: { hide_absence_details: true },
      now: new Date(),
    });
    const gatewayNow = await startGateway(storage, sandbox, tenant);
    try {
      for (const path of ['company/time-offs?limit=1', 'company/absence-periods', 'v1/company/time-offs/1']) {
        await expectError(await gatewayNow.request(`/proxy/${path}`), 403, 'forbidden');
      }
      expect((await gatewayNow.request('/proxy/company/employees?limit=1')).status).toBe(200);
    } finally {
      await updateLinkedAccountSettings(gateway.deps.db, {
        environmentId: tenant.environmentId,
        id: tenant.linkedAccountId,
        settings: { hide_absence_details: false },
        now: new Date(),
      });
    }
  });
});
