import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonioSandbox } from '../../src/sandbox/personio';
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
import { UNPACED } from '../support/timeoff';

describe('attendances through the proxy, against the built-in sandbox', () => {
  let storage: Storage;
  let sandbox: PersonioSandbox;
  let gateway: TestGateway;
  let tenant: Tenant;

  beforeAll(async () => {
    storage = await openStorage('postgres');
    sandbox = createPersonioSandbox({ employees: 30, seed: 9 });
    const options = { ...UNPACED, builtInSandbox: true };
    const setup = await startGateway(storage, sandbox, undefined, options);
    tenant = await createTenant(setup, SANDBOX_CREDENTIALS.full, 'Acme', 'personio-sandbox');
    gateway = await startGateway(storage, sandbox, tenant, options);
  });

  afterAll(async () => {
    await storage?.close();
  });

  it("answers the README's proxy example with Personio's attendance envelope", async () => {
    const response = await gateway.request(
      '/proxy/company/attendances?start_date=2026-01-05&end_date=2026-01-09',
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('x-roster-source')).toBe('upstream');
    const body = await response.json();
    expect(body).toMatchObject({ success: true, offset: 0, limit: 200, metadata: { current_page: 0 } });
    expect(body.metadata.total_elements).toBe(body.data.length);
    expect(body.data.length).toBeGreaterThan(0);
    expect(body.data[0]).toMatchObject({
      type: 'AttendancePeriod',
      attributes: { status: 'confirmed', is_holiday: false },
    });
    expect(body.data[0].attributes.date >= '2026-01-05' && body.data[0].attributes.date <= '2026-01-09').toBe(
      true,
    );
  });

  it('creates an attendance through the proxy and reads it back', async () => {
    const employee = sandbox.employeeIds()[25]!;
    const created = await gateway.request('/proxy/company/attendances', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        attendances: [{ employee, date: '2027-05-03', start_time: '09:00', end_time: '17:00', break: 60 }],
      }),
    });
    expect(created.status).toBe(200);
    const [id] = (await created.json()).data.id;
    const listed = await gateway.request(
      `/proxy/company/attendances?start_date=2027-05-03&end_date=2027-05-03&employees[]=${employee}`,
    );
    expect((await listed.json()).data.map((item: { id: number }) => item.id)).toEqual([id]);
  });
});
