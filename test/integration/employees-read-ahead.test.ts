import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Employee } from '../../src/models/employee';
import type { PersonioSandbox } from '../../src/sandbox/personio';
import {
  type Backend,
  createPersonioSandbox,
  createTenant,
  openStorage,
  type Storage,
  startGateway,
  type Tenant,
  type TestGateway,
} from '../support/gateway';
import { waitUntil } from '../support/wait';

interface ListBody {
  result: Employee[];
  next_cursor: string | null;
}

describe.each<Backend>(['pglite', 'postgres'])('employee walks read ahead over %s', (backend) => {
  let storage: Storage;
  let sandbox: PersonioSandbox;
  let gateway: TestGateway;
  let tenant: Tenant;
  /** Offsets of `GET /company/employees` in the order they reached the simulator, with markers between calls. */
  const seen: string[] = [];

  beforeAll(async () => {
    storage = await openStorage(backend);
    sandbox = createPersonioSandbox({ employees: 1000, seed: 11 });
    const setup = await startGateway(storage, sandbox);
    tenant = await createTenant(setup);
    gateway = await startGateway(storage, sandbox, tenant, {
      fetch: (request) => {
        const url = new URL(request.url);
        if (url.pathname.endsWith('/company/employees')) {
          seen.push(`${url.searchParams.get('offset')}+${url.searchParams.get('limit')}`);
        }
        return sandbox.fetch(request);
      },
    });
  });

  afterAll(async () => {
    await storage?.close();
  });

  const page = async (path: string) => {
    const response = await gateway.request(path);
    expect(response.status).toBe(200);
    return (await response.json()) as ListBody;
  };
  const count = (entry: string) => seen.filter((item) => item === entry).length;

  it('fetches the next upstream pages of a walk before the client asks, and serves them from there', async () => {
    seen.length = 0;
    const ids = sandbox.employeeIds().map(String);
    const first = await page('/unified/hris/employees?limit=200');
    expect(first.result.map((employee) => employee.id)).toEqual(ids.slice(0, 200));
    seen.push('call 2');
    const second = await page(
      `/unified/hris/employees?limit=200&cursor=${encodeURIComponent(first.next_cursor!)}`,
    );
    expect(second.result.map((employee) => employee.id)).toEqual(ids.slice(200, 400));
    // Nobody asked for records 400–599 yet: the gateway reads them ahead of the third call.
    await waitUntil(
      async () => count('400+100') === 1 && count('500+100') === 1,
      'the read-ahead of offsets 400 and 500',
      20_000,
    );
    seen.push('call 3');
    const third = await page(
      `/unified/hris/employees?limit=200&cursor=${encodeURIComponent(second.next_cursor!)}`,
    );
    expect(third.result.map((employee) => employee.id)).toEqual(ids.slice(400, 600));
    await waitUntil(async () => count('600+100') === 1, 'the read-ahead of offset 600', 20_000);
    // The third call used what was read ahead instead of asking again.
    expect(count('400+100')).toBe(1);
    expect(count('500+100')).toBe(1);
    // A first page (no cursor) reads nothing ahead: offsets 200 and 300 were asked for by the second call.
    expect(seen.indexOf('200+100')).toBeGreaterThan(seen.indexOf('call 2'));
    // Finished, so nothing read ahead is left for the next test.
    let cursor = third.next_cursor;
    while (cursor)
      cursor = (await page(`/unified/hris/employees?limit=200&cursor=${encodeURIComponent(cursor)}`))
        .next_cursor;
  });

  it('walks every employee exactly once, with one upstream call per upstream page', async () => {
    for (const limit of [200, 30]) {
      seen.length = 0;
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const body: ListBody = await page(
          `/unified/hris/employees?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        ids.push(...body.result.map((employee) => employee.id));
        cursor = body.next_cursor;
      } while (cursor);
      expect(ids).toEqual(sandbox.employeeIds().map(String));
      // The last page reads nothing ahead, so a finished walk asked for each upstream page once.
      expect(seen.length).toBe(new Set(seen).size);
      expect(seen).toHaveLength(limit === 200 ? 10 : Math.ceil(1000 / 30));
    }
  });

  it('reads ahead on a filtered walk without losing or repeating employees', async () => {
    const everyone: Employee[] = [];
    let cursor: string | null = null;
    do {
      const body: ListBody = await page(
        `/unified/hris/employees?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      everyone.push(...body.result);
      cursor = body.next_cursor;
    } while (cursor);
    const expected = everyone.filter((employee) => employee.employment_status === 'active');
    seen.length = 0;
    const ids: string[] = [];
    do {
      const body: ListBody = await page(
        `/unified/hris/employees?limit=40&employment_status=active${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      ids.push(...body.result.map((employee) => employee.id));
      cursor = body.next_cursor;
    } while (cursor);
    expect(ids).toEqual(expected.map((employee) => employee.id));
    expect(seen.length).toBe(new Set(seen).size);
  });
});
