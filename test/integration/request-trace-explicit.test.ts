import { AsyncLocalStorage } from 'node:async_hooks';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app';
import { promMetrics } from '../../src/runtime/prom-metrics';
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
import { waitFor } from '../support/wait';

const UNPACED = { UPSTREAM_RATE_LIMIT_PER_SECOND: '1000', UPSTREAM_RATE_LIMIT_BURST: '1000' };
const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

interface RequestLog {
  id: string;
  route: string;
  upstream: { method: string; path: string; status: number | null; attempt: number }[];
}

/**
 * On Node an entered `AsyncLocalStorage` turns on promise hooks for the whole process (a cost on every
 * await), so the request trace is handed down explicitly. Watched here: every `AsyncLocalStorage` of the
 * process (one class, whether imported or reached through `process.getBuiltinModule`), from before the
 * app is built until its logs are read.
 */
describe('request tracing on Node without an async context', () => {
  let storage: Storage;
  let sandbox: PersonioSandbox;
  let gateway: TestGateway;
  let tenant: Tenant;
  const restore: (() => void)[] = [];
  const entered: string[] = [];
  const builtinsAsked: string[] = [];

  beforeAll(async () => {
    for (const method of ['run', 'enterWith'] as const) {
      const original = AsyncLocalStorage.prototype[method] as (...args: unknown[]) => unknown;
      const spy = vi.spyOn(AsyncLocalStorage.prototype, method).mockImplementation(function (
        this: AsyncLocalStorage<unknown>,
        ...args: unknown[]
      ) {
        entered.push(`${method} ${new Error().stack?.split('\n').slice(2, 4).join(' <')}`);
        return original.apply(this, args);
      } as never);
      restore.push(() => spy.mockRestore());
    }
    const getBuiltinModule = process.getBuiltinModule;
    const asked = vi.spyOn(process, 'getBuiltinModule').mockImplementation(((id: string) => {
      builtinsAsked.push(id);
      return getBuiltinModule.call(process, id);
    }) as never);
    restore.push(() => asked.mockRestore());

    storage = await openStorage('postgres');
    sandbox = createPersonioSandbox({ employees: 30, seed: 7 });
    const env = { ...UNPACED, METRICS_TOKEN };
    const setup = await startGateway(storage, sandbox, undefined, { env });
    tenant = await createTenant(setup);
    gateway = await startGateway(storage, sandbox, tenant, { env });
    // Request logs and Prometheus metrics both on, as `npm start` runs with METRICS_TOKEN set.
    gateway.deps.metrics = promMetrics();
    gateway.app = await createApp(gateway.deps);
  });

  afterAll(async () => {
    for (const undo of restore) undo();
    await storage?.close();
  });

  const logOf = (requestId: string) =>
    waitFor(async () => {
      const response = await gateway.request('/request-logs?limit=200', { linkedAccountId: null });
      const body = (await response.json()) as { result: RequestLog[] };
      return body.result.find((log) => log.id === requestId);
    }, `the request log of ${requestId}`);

  it('records unified and proxy calls upstream while no AsyncLocalStorage is created or entered', async () => {
    const id = String(sandbox.employeeIds()[1]);
    // The account's token first, so no call below exchanges one on the others' behalf.
    expect((await gateway.request('/unified/hris/employees?limit=1')).status).toBe(200);
    // Concurrent calls over the same shared client: each log holds its own upstream calls and no other's.
    const paths = [
      '/unified/hris/employees?limit=3',
      `/unified/hris/employees/${id}`,
      '/unified/hris/timeoff-types',
      '/proxy/company/time-off-types',
    ];
    const responses = await Promise.all(paths.map((path) => gateway.request(path)));
    for (const response of responses) expect(response.status).toBe(200);
    const logs = await Promise.all(responses.map((response) => logOf(response.headers.get('x-request-id')!)));

    expect(logs.map((log) => log.route)).toEqual([
      '/unified/hris/employees',
      '/unified/hris/employees/:id',
      '/unified/hris/timeoff-types',
      '/proxy/*',
    ]);
    const upstreamPaths = logs.map((log) => [...new Set(log.upstream.map((call) => call.path))].sort());
    expect(upstreamPaths[0]).toContain('/v1/company/employees');
    expect(upstreamPaths[1]).toContain(`/v1/company/employees/${id}`);
    expect(upstreamPaths[2]).toContain('/v1/company/time-off-types');
    expect(upstreamPaths[3]).toEqual(['/v1/company/time-off-types']);
    for (const paths of upstreamPaths.slice(0, 2)) expect(paths).not.toContain('/v1/company/time-off-types');
    for (const log of logs) expect(log.upstream.every((call) => call.status === 200)).toBe(true);

    expect(entered).toEqual([]);
    expect(builtinsAsked.filter((id) => id.endsWith('async_hooks'))).toEqual([]);
  });

  it('records the upstream calls of a credential check, which goes through no stored client', async () => {
    const response = await gateway.request(`/linked-accounts/${tenant.linkedAccountId}/check`, {
      method: 'POST',
      linkedAccountId: null,
    });
    expect(response.status).toBe(200);
    const log = await logOf(response.headers.get('x-request-id')!);
    expect(log.route).toBe('/linked-accounts/:id/check');
    const calls = log.upstream.map((call) => `${call.method} ${call.path}`);
    expect(calls).toContain('POST /v1/auth');
    expect(calls).toContain('GET /v1/company/employees');
    expect(entered).toEqual([]);
  });
});
