import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TimeoffRequest } from '../../src/models/timeoff';
import { SANDBOX_V1_ONLY_CREDENTIAL } from '../../src/sandbox/personio';
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
 * Linked accounts reading through Personio v2, end to end (PostgreSQL, the simulator): detection of v2
 * access, the setting that forces v1, identical unified pages whichever version answered, and window pulls
 * that read nothing outside the window.
 */

const ROOMY = { perSecond: 100_000, burst: 100_000 };
const WINDOW = 'start_date=2026-02-01&end_date=2026-03-15';
const PULL_WINDOW = 'start_date=2026-04-01&end_date=2026-05-15';

interface Page {
  result: TimeoffRequest[];
  next_cursor: string | null;
}

async function patchSettings(gateway: TestGateway, tenant: Tenant, settings: Record<string, unknown>) {
  const response = await gateway.request(`/linked-accounts/${tenant.linkedAccountId}`, {
    method: 'PATCH',
    apiKey: tenant.apiKey,
    body: JSON.stringify({ settings }),
    headers: { 'content-type': 'application/json' },
  });
  return { status: response.status, body: (await response.json()) as Body };
}

async function pages(
  gateway: TestGateway,
  tenant: Tenant,
  path: string,
  from: string | null = null,
): Promise<Page[]> {
  const walked: Page[] = [];
  let cursor: string | null = from;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const reply = await send(
      gateway,
      tenant,
      'GET',
      cursor ? `${path}${separator}cursor=${encodeURIComponent(cursor)}` : path,
    );
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    walked.push(reply.body as Page);
    cursor = (reply.body as Page).next_cursor;
  } while (cursor);
  return walked;
}

const upstreamCalls = (byRoute: Record<string, number>, prefix: string) =>
  Object.entries(byRoute)
    .filter(([route]) => route.includes(prefix))
    .reduce((sum, [, count]) => sum + count, 0);

describe('Personio v2 accounts (PostgreSQL)', () => {
  let storage: Storage;
  let gateway: TestGateway;
  let viaV1: Tenant;
  let viaV2: Tenant;
  let v1Only: Tenant;
  /** Its own account, so no other test's breakdowns are in the cache for it. */
  let puller: Tenant;
  /** v2 access but no setting: stays on the default, v1. */
  let defaulted: Tenant;
  const sandbox = createPersonioSandbox({
    employees: 200,
    seed: 9,
    v2RateLimits: { 'absence-periods': ROOMY, breakdowns: ROOMY, 'absence-types': ROOMY },
  });

  beforeAll(async () => {
    storage = await openStorage('postgres');
    const setup = await startGateway(storage, sandbox, undefined, UNPACED);
    viaV1 = await createTenant(setup, SANDBOX_CREDENTIALS.full, 'Ones', 'personio', 'v1');
    viaV2 = await createTenant(setup, SANDBOX_CREDENTIALS.full, 'Twos', 'personio', 'auto');
    v1Only = await createTenant(setup, SANDBOX_V1_ONLY_CREDENTIAL, 'Legacy', 'personio', 'auto');
    puller = await createTenant(setup, SANDBOX_CREDENTIALS.full, 'Pulls', 'personio', 'auto');
    defaulted = await createTenant(setup, SANDBOX_CREDENTIALS.full, 'Plain');
    gateway = await startGateway(storage, sandbox, viaV2, UNPACED);
  });

  afterAll(async () => {
    await storage?.close();
  });

  it('keeps an account with v2 access on v1 until it opts in (the default is v1)', async () => {
    const plain = await send(gateway, defaulted, 'GET', `/linked-accounts/${defaulted.linkedAccountId}`);
    expect(plain.body.result.capabilities).toMatchObject({ personio_v2: true });
    expect(plain.body.result.settings.personio_api_version).toBe('v1');
    sandbox.resetStats();
    const listed = await send(gateway, defaulted, 'GET', `/unified/hris/timeoff-requests?${WINDOW}&limit=5`);
    expect(listed.status).toBe(200);
    expect(listed.body.result.length).toBeGreaterThan(0);
    expect(upstreamCalls(sandbox.stats.byRoute, '/v2/')).toBe(0);
  });

  it('records on the account whether its credential can obtain a v2 token', async () => {
    const twos = await send(gateway, viaV2, 'GET', `/linked-accounts/${viaV2.linkedAccountId}`);
    expect(twos.body.result.capabilities).toMatchObject({ personio_v2: true });
    expect(twos.body.result.settings.personio_api_version).toBe('auto');
    const legacy = await send(gateway, v1Only, 'GET', `/linked-accounts/${v1Only.linkedAccountId}`);
    expect(legacy.body.result.capabilities).toMatchObject({ personio_v2: false });
    expect(legacy.body.result.status).toBe('active');
    // A check asks for a v2 token again: refused, the account stays active on v1 (never needs_reauth).
    const checked = await send(gateway, v1Only, 'POST', `/linked-accounts/${v1Only.linkedAccountId}/check`);
    expect(checked.status).toBe(200);
    expect(checked.body.result.status).toBe('active');
    expect(checked.body.result.capabilities).toMatchObject({ personio_v2: false });
    // Without v2 access, time-off lists go through v1 and still work.
    sandbox.resetStats();
    const listed = await send(gateway, v1Only, 'GET', `/unified/hris/timeoff-requests?${WINDOW}&limit=5`);
    expect(listed.status).toBe(200);
    expect(upstreamCalls(sandbox.stats.byRoute, '/v2/')).toBe(0);
  });

  it('serves the same pages, record for record, through v1 and v2', async () => {
    const queries = [
      `${WINDOW}&limit=13`,
      'start_date=2025-12-20&limit=200',
      'end_date=2025-10-01&status=approved,requested&limit=50',
      `employee_id=${sandbox.employeeIds()[7]}&limit=3`,
      'timeoff_type_id=306&start_date=2025-06-01&end_date=2026-06-30&limit=20',
      'updated_after=2025-11-15T00:00:00Z&limit=40',
    ];
    for (const query of queries) {
      const one = await pages(gateway, viaV1, `/unified/hris/timeoff-requests?${query}`);
      sandbox.resetStats();
      const two = await pages(gateway, viaV2, `/unified/hris/timeoff-requests?${query}`);
      // The second walk really went through v2, and only through v2.
      expect(sandbox.stats.byRoute['GET /v2/absence-periods'], query).toBeGreaterThan(0);
      expect(upstreamCalls(sandbox.stats.byRoute, '/v1/company/'), query).toBe(0);
      // v1 can end on an empty page (its day-based list ran out exactly at a page boundary, and only the
      // next call learns that no hour-based one follows); v2 reads one list and knows. Otherwise page for page.
      const nonEmpty = (walked: Page[]) =>
        walked.map((page) => page.result).filter((result) => result.length > 0);
      expect(JSON.stringify(nonEmpty(two)), query).toBe(JSON.stringify(nonEmpty(one)));
      expect(two.length).toBeLessThanOrEqual(one.length);
      expect(nonEmpty(one).length).toBeGreaterThan(0);
    }
  });

  it('pulls a window through v2 without reading absences outside it, and polls again from the cache', async () => {
    const token = await v2Token();
    // What Personio holds inside and outside the window, asked directly.
    const all = await sandboxList('/v2/absence-periods?limit=100', token);
    const upstream = await sandboxList(
      '/v2/absence-periods?limit=100&ends_at.date_time.gte=2026-04-01T00:00:00&starts_from.date_time.lte=2026-05-15T23:59:59',
      token,
    );
    expect(all.length - upstream.length).toBeGreaterThan(upstream.length);

    sandbox.resetStats();
    const first = (
      await pages(gateway, puller, `/unified/hris/timeoff-requests?${PULL_WINDOW}&limit=200`)
    ).flatMap((page) => page.result);
    const reads = { ...sandbox.stats.byRoute };
    expect(
      upstreamCalls(reads, '/v1/company/time-offs') + upstreamCalls(reads, '/v1/company/absence-periods'),
    ).toBe(0);
    expect(reads['GET /v2/absence-periods']).toBe(Math.ceil(upstream.length / 100));
    const breakdownPages = first.reduce((sum, request) => {
      const days =
        (Date.parse(request.end_date ?? request.start_date) - Date.parse(request.start_date)) / 86_400_000 +
        1;
      return sum + Math.ceil(days / 200);
    }, 0);
    expect(reads['GET /v2/absence-periods/:id/breakdowns']).toBe(breakdownPages);

    sandbox.resetStats();
    const again = (
      await pages(gateway, puller, `/unified/hris/timeoff-requests?${PULL_WINDOW}&limit=200`)
    ).flatMap((page) => page.result);
    expect(again).toEqual(first);
    expect(sandbox.stats.byRoute['GET /v2/absence-periods/:id/breakdowns'] ?? 0).toBe(0);
  });

  it('keeps an account on v1 when its settings say so, and carries a walk begun on v1 over to v2', async () => {
    const firstV2 = await send(gateway, viaV2, 'GET', `/unified/hris/timeoff-requests?${WINDOW}&limit=5`);
    const v2Cursor = firstV2.body.next_cursor as string;
    const forced = await patchSettings(gateway, viaV2, { personio_api_version: 'v1' });
    expect(forced.status).toBe(200);
    expect(forced.body.result.settings.personio_api_version).toBe('v1');
    const invalid = await patchSettings(gateway, viaV2, { personio_api_version: 'v3' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.code).toBe('invalid_request');

    try {
      sandbox.resetStats();
      const onV1 = await send(gateway, viaV2, 'GET', `/unified/hris/timeoff-requests?${WINDOW}&limit=5`);
      expect(onV1.body.result).toEqual(firstV2.body.result);
      expect(upstreamCalls(sandbox.stats.byRoute, '/v2/')).toBe(0);
      // A v2 position means nothing to v1: a clear 400, not a wrong page.
      const stale = await send(
        gateway,
        viaV2,
        'GET',
        `/unified/hris/timeoff-requests?${WINDOW}&limit=5&cursor=${encodeURIComponent(v2Cursor)}`,
      );
      expect(stale.status).toBe(400);
      expect(stale.body.error.code).toBe('invalid_request');

      // Back to auto mid-walk: the v1 cursor finishes on v1, and the walk equals a v1 walk.
      const v1Cursor = onV1.body.next_cursor as string;
      await patchSettings(gateway, viaV2, { personio_api_version: 'auto' });
      const rest = await pages(gateway, viaV2, `/unified/hris/timeoff-requests?${WINDOW}&limit=5`, v1Cursor);
      const reference = await pages(gateway, viaV1, `/unified/hris/timeoff-requests?${WINDOW}&limit=5`);
      expect([onV1.body.result, ...rest.map((page) => page.result)]).toEqual(
        reference.map((page) => page.result),
      );
    } finally {
      await patchSettings(gateway, viaV2, { personio_api_version: 'auto' });
    }
  });

  it("proxies /v2 paths with the account's v2 token, leaving its v1 token alone", async () => {
    sandbox.resetStats();
    const v1Call = await gateway.request('/proxy/company/time-off-types', {
      apiKey: viaV2.apiKey,
      linkedAccountId: viaV2.linkedAccountId,
    });
    expect(v1Call.status).toBe(200);
    const person = sandbox.employeeIds()[4];
    const v2Call = await gateway.request(`/proxy/v2/persons/${person}`, {
      apiKey: viaV2.apiKey,
      linkedAccountId: viaV2.linkedAccountId,
    });
    expect(v2Call.status).toBe(200);
    expect(((await v2Call.json()) as Body).id).toBe(String(person));
    const again = await gateway.request('/proxy/company/time-off-types', {
      apiKey: viaV2.apiKey,
      linkedAccountId: viaV2.linkedAccountId,
    });
    expect(again.status).toBe(200);
    // No token was refused on the way: neither version exchanged again.
    expect(sandbox.stats.byStatus[401] ?? 0).toBe(0);
    expect(sandbox.stats.authCalls + sandbox.stats.v2AuthCalls).toBeLessThanOrEqual(2);
  });

  async function v2Token(): Promise<string> {
    const response = await sandbox.fetch(
      new Request('http://sandbox.test/v2/auth/token', {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: SANDBOX_CREDENTIALS.full.clientId,
          client_secret: SANDBOX_CREDENTIALS.full.clientSecret,
        }),
      }),
    );
    return ((await response.json()) as { access_token: string }).access_token;
  }

  async function sandboxList(path: string, token: string): Promise<unknown[]> {
    const items: unknown[] = [];
    let next: string | undefined = `http://sandbox.test${path}`;
    while (next) {
      const response = await sandbox.fetch(
        new Request(next, { headers: { authorization: `Bearer ${token}` } }),
      );
      const body = (await response.json()) as {
        _data: unknown[];
        _meta: { links: { next?: { href: string } } };
      };
      items.push(...body._data);
      next = body._meta.links.next?.href;
    }
    return items;
  }
});
