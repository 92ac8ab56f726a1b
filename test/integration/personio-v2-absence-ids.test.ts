import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TimeoffRequest } from '../../src/models/timeoff';
import type { Body } from '../sandbox/sandbox-client';
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
import { send, UNPACED } from '../support/timeoff';

/**
 * `personio_api_version: auto` reads time-off lists through v2 only where v2 absence ids were found to be
 * the v1 ids: with the simulator giving v2 absences UUIDs of their own (REFERENCE §1), lists stay on v1 and
 * show the ids passes, single reads and writes use.
 */

const ROOMY = { perSecond: 100_000, burst: 100_000 };
const WINDOW = 'start_date=2026-10-01&end_date=2027-01-31&limit=200';

const v2ListCalls = (byRoute: Record<string, number>) =>
  Object.entries(byRoute)
    .filter(([route]) => route.startsWith('GET /v2/absence-periods'))
    .reduce((sum, [, count]) => sum + count, 0);

describe('Personio v2 absence ids (PostgreSQL)', () => {
  let storage: Storage;
  let gateway: TestGateway;
  let ones: Tenant;
  let twos: Tenant;
  const sandbox = createPersonioSandbox({
    employees: 30,
    seed: 23,
    v2AbsenceIds: 'uuid',
    v2RateLimits: { 'absence-periods': ROOMY, breakdowns: ROOMY, 'absence-types': ROOMY },
  });

  const account = async (tenant: Tenant) =>
    (await send(gateway, tenant, 'GET', `/linked-accounts/${tenant.linkedAccountId}`)).body as Body;
  const check = async (tenant: Tenant) => {
    const checked = await send(gateway, tenant, 'POST', `/linked-accounts/${tenant.linkedAccountId}/check`);
    expect(checked.status, JSON.stringify(checked.body)).toBe(200);
    return checked.body as Body;
  };
  const list = async (tenant: Tenant) => {
    const listed = await send(gateway, tenant, 'GET', `/unified/hris/timeoff-requests?${WINDOW}`);
    expect(listed.status, JSON.stringify(listed.body)).toBe(200);
    return (listed.body as Body).result as TimeoffRequest[];
  };

  beforeAll(async () => {
    storage = await openStorage('postgres');
    const setup = await startGateway(storage, sandbox, undefined, UNPACED);
    ones = await createTenant(setup, SANDBOX_CREDENTIALS.full, 'Ones', 'personio', 'v1');
    twos = await createTenant(setup, SANDBOX_CREDENTIALS.full, 'Twos', 'personio', 'auto');
    gateway = await startGateway(storage, sandbox, twos, UNPACED);
  });

  afterAll(async () => {
    await storage?.close();
  });

  it('with UUID v2 absence ids, auto stays on v1 and lists the ids v1 has', async () => {
    expect((await account(twos)).result.capabilities).toMatchObject({
      personio_v2: true,
      personio_v2_shared_absence_ids: false,
    });
    sandbox.resetStats();
    const viaAuto = await list(twos);
    expect(v2ListCalls(sandbox.stats.byRoute)).toBe(0);
    expect(viaAuto.length).toBeGreaterThan(0);
    expect(viaAuto).toEqual(await list(ones));
    // Every listed id can be read back.
    const first = viaAuto[0]!;
    const single = await send(gateway, twos, 'GET', `/unified/hris/timeoff-requests/${first.id}`);
    expect(single.status).toBe(200);
    expect((single.body as Body).result.id).toBe(first.id);
  });

  it('with v2 absence ids equal to v1 ids, a check lets auto read lists through v2 again', async () => {
    sandbox.setV2AbsenceIds('v1');
    try {
      expect((await check(twos)).result.capabilities).toMatchObject({
        personio_v2: true,
        personio_v2_shared_absence_ids: true,
      });
      sandbox.resetStats();
      const viaV2 = await list(twos);
      expect(v2ListCalls(sandbox.stats.byRoute)).toBeGreaterThan(0);
      expect(viaV2).toEqual(await list(ones));
    } finally {
      sandbox.setV2AbsenceIds('uuid');
    }
    // And back: the next check finds them apart again.
    expect((await check(twos)).result.capabilities.personio_v2_shared_absence_ids).toBe(false);
    sandbox.resetStats();
    await list(twos);
    expect(v2ListCalls(sandbox.stats.byRoute)).toBe(0);
  });
});
