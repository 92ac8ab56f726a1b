import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Employee } from '../../src/models/employee';
import type { PersonioSandbox } from '../../src/sandbox/personio';
import {
  createPersonioSandbox,
  createTenant,
  openStorage,
  type Storage,
  startGateway,
  type Tenant,
  type TestGateway,
  walk,
} from '../support/gateway';

const UNPACED = { UPSTREAM_RATE_LIMIT_PER_SECOND: '1000', UPSTREAM_RATE_LIMIT_BURST: '1000' };

describe('walks under upstream faults', () => {
  let storage: Storage;
  let sandbox: PersonioSandbox;
  let gateway: TestGateway;
  let tenant: Tenant;

  beforeAll(async () => {
    storage = await openStorage('pglite');
    sandbox = createPersonioSandbox({ employees: 5000, seed: 11 });
    const setup = await startGateway(storage, sandbox, undefined, { env: UNPACED });
    tenant = await createTenant(setup);
    gateway = await startGateway(storage, sandbox, tenant, { env: UNPACED });
  });

  afterAll(async () => {
    sandbox?.setFaults({});
    await storage?.close();
  });

  const stormy = {
    rateLimitedRate: 0.2,
    serverErrorRate: 0.05,
    latencyMs: [0, 4] as [number, number],
    seed: 5,
  };

  it('returns each of 5,000 employees exactly once with 20% 429, 5% 5xx and latency', async () => {
    sandbox.setFaults(stormy);
    sandbox.resetStats();
    for (const limit of [200, 67]) {
      const { items } = await walk<Employee>(gateway, `/unified/hris/employees?limit=${limit}`);
      expect(items.map((employee) => employee.id)).toEqual(sandbox.employeeIds().map(String));
    }
    // The faults really happened, and were retried through.
    expect(sandbox.stats.byStatus[429]).toBeGreaterThan(10);
    expect(
      (sandbox.stats.byStatus[502] ?? 0) +
        (sandbox.stats.byStatus[503] ?? 0) +
        (sandbox.stats.byStatus[504] ?? 0),
    ).toBeGreaterThan(2);
  });

  it('returns each employee exactly once through the proxy too', async () => {
    sandbox.setFaults(stormy);
    const ids: number[] = [];
    for (let offset = 0; ; offset += 100) {
      const response = await gateway.request(`/proxy/company/employees?limit=100&offset=${offset}`);
      expect(response.status).toBe(200);
      const page = (await response.json()) as { data: { attributes: { id: { value: number } } }[] };
      ids.push(...page.data.map((employee) => employee.attributes.id.value));
      if (page.data.length < 100) break;
    }
    expect(ids).toEqual(sandbox.employeeIds());
  });

  it('carries on when tokens expire in the middle of a walk', async () => {
    sandbox.setFaults({ expireTokensEvery: 7 });
    sandbox.resetStats();
    const { items } = await walk<Employee>(gateway, '/unified/hris/employees?limit=100');
    expect(items).toHaveLength(5000);
    expect(sandbox.stats.authCalls).toBeGreaterThanOrEqual(5);
  });

  it('maps what cannot be retried to provider_* errors with the upstream status and message', async () => {
    sandbox.setFaults({ serverErrorRate: 1, serverErrorStatuses: [500] });
    const failed = await gateway.request('/unified/hris/employees?limit=5');
    expect(failed.status).toBe(502);
    expect(await failed.json()).toMatchObject({
      error: {
        code: 'provider_error',
        details: { upstream_status: 500, upstream_message: 'Service temporarily unavailable' },
      },
    });
    sandbox.setFaults({ malformedRate: 1 });
    const malformed = await gateway.request('/unified/hris/employees?limit=5');
    expect(malformed.status).toBe(502);
    expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe('provider_error');
    sandbox.setFaults({});
  });

  it('answers 429 rate_limited with Retry-After when Personio keeps refusing beyond the budget', async () => {
    const impatient = await startGateway(storage, sandbox, tenant, {
      env: { ...UNPACED, UPSTREAM_RETRY_BUDGET_MS: '300', UPSTREAM_MAX_ATTEMPTS: '3' },
    });
    sandbox.setFaults({ rateLimitedRate: 1 });
    const response = await impatient.request('/unified/hris/employees?limit=5');
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
    sandbox.setFaults({});
  });

  it('answers 504 provider_timeout when Personio hangs', async () => {
    const hurried = await startGateway(storage, sandbox, tenant, {
      env: { ...UNPACED, UPSTREAM_TIMEOUT_MS: '100', UPSTREAM_RETRY_BUDGET_MS: '400' },
    });
    sandbox.setFaults({ timeoutRate: 1, hangMs: 2_000 });
    const response = await hurried.request('/unified/hris/employees?limit=5');
    expect(response.status).toBe(504);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('provider_timeout');
    sandbox.setFaults({});
  });
});
