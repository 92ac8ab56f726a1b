import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonioSandbox } from '../../src/sandbox/personio';
import {
  createPersonioSandbox,
  createTenant,
  openStorage,
  SANDBOX_CREDENTIALS,
  type Storage,
  startGateway,
  type TestGateway,
} from '../support/gateway';
import { UNPACED } from '../support/timeoff';

describe('resource access of a linked credential', () => {
  let storage: Storage;
  let sandbox: PersonioSandbox;
  let setup: TestGateway;

  beforeAll(async () => {
    storage = await openStorage('pglite');
    sandbox = createPersonioSandbox({ employees: 20, seed: 13 });
    setup = await startGateway(storage, sandbox, undefined, UNPACED);
  });

  afterAll(async () => {
    await storage?.close();
  });

  const accessOf = async (credentials: { clientId: string; clientSecret: string }, name: string) => {
    const tenant = await createTenant(setup, credentials, name);
    const gateway = await startGateway(storage, sandbox, tenant, UNPACED);
    const response = await gateway.request(`/linked-accounts/${tenant.linkedAccountId}`);
    expect(response.status).toBe(200);
    return { gateway, tenant, access: (await response.json()).result.resource_access };
  };

  it('records what a full credential may read and write, without writing anything', async () => {
    sandbox.resetStats();
    const { access } = await accessOf(SANDBOX_CREDENTIALS.full, 'Full');
    expect(access).toMatchObject({
      employees: { read: true, write: true },
      timeoff_requests: { read: true, write: true },
      timeoff_types: { read: true, write: null },
      timeoff_balances: { read: true, write: null },
      attendances: { read: true, write: true },
    });
    expect(Date.parse(access.checked_at)).not.toBeNaN();
    // The write probes were refused as invalid: no status 200/201 answer to a POST.
    expect(sandbox.stats.byRoute['POST /v1/company/time-offs']).toBe(1);
    // The one 201 is the inbound webhook registered once the account is linked, not a probe.
    expect(sandbox.stats.byRoute['POST /v2/webhooks']).toBe(1);
    expect(sandbox.stats.byStatus[201] ?? 0).toBe(1);
  });

  it('records the missing rights of a read-only credential, and the API refuses its writes as Personio does', async () => {
    const { gateway, access } = await accessOf(SANDBOX_CREDENTIALS.limited, 'Limited');
    expect(access).toMatchObject({
      employees: { read: true, write: false },
      timeoff_requests: { read: true, write: false },
      attendances: { read: false, write: false },
    });
    const refused = await gateway.request('/unified/hris/timeoff-requests', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        employee_id: String(sandbox.employeeIds()[1]),
        timeoff_type_id: '301',
        start_date: '2034-01-02',
        end_date: '2034-01-02',
      }),
    });
    expect(refused.status).toBe(424);
    expect((await refused.json()).error.code).toBe('provider_forbidden');
  });

  it('measures again on POST /linked-accounts/{id}/check', async () => {
    const { gateway, tenant, access } = await accessOf(SANDBOX_CREDENTIALS.full, 'Rechecked');
    const checked = await gateway.request(`/linked-accounts/${tenant.linkedAccountId}/check`, {
      method: 'POST',
    });
    expect(checked.status).toBe(200);
    const after = (await checked.json()).result.resource_access;
    expect(after.timeoff_requests).toEqual(access.timeoff_requests);
    expect(after.checked_at >= access.checked_at).toBe(true);
  });
});
