import { describe, expect, it } from 'vitest';
import { MemoryCache } from '../../../cache/memory';
import { base64url } from '../../../crypto/encoding';
import { randomBytes } from '../../../crypto/random';
import { createSecretBox } from '../../../crypto/secret-box';
import { ApiError } from '../../../errors';
import type { TimeoffRequest } from '../../../models/timeoff';
import {
  createPersonioSandbox,
  type PersonioSandbox,
  SANDBOX_CREDENTIALS,
  SANDBOX_V1_ONLY_CREDENTIAL,
  type SandboxCredential,
} from '../../../sandbox/personio/index';
import { fetchTransport } from '../../http';
import type { TimeoffRequestListQuery } from '../../types';
import { PersonioClient, type PersonioClientOptions } from '../client';
import { RateBudget } from '../resilience';
import { listTimeoffRequests } from '../timeoff-requests';
import { TimeOffTypeListSchema } from '../timeoff-schemas';
import { PersonioTokenManager } from '../token-manager';
import { isV2AccessRefused, PersonioV2Client } from './client';
import { V2AbsenceTypeSchema, V2PersonSchema, v2List } from './schemas';
import { listTimeoffRequestsV2 } from './timeoff-requests';

const ROOMY = { perSecond: 10_000, burst: 10_000 };

async function clients(sandbox: PersonioSandbox, credential: SandboxCredential = SANDBOX_CREDENTIALS.full) {
  const cache = new MemoryCache();
  const options: PersonioClientOptions = {
    baseUrl: 'http://sandbox.test/v1',
    transport: fetchTransport(sandbox.fetch),
    credentials: { clientId: credential.clientId, clientSecret: credential.clientSecret },
    tokens: new PersonioTokenManager(cache, await createSecretBox(base64url.encode(randomBytes(32)))),
    accountKey: 'la_v2test',
    appId: 'ROSTER',
    retry: { attemptTimeoutMs: 5_000, budgetMs: 30_000, maxAttempts: 6, baseDelayMs: 20, maxDelayMs: 500 },
  };
  return { v1: new PersonioClient(options), v2: new PersonioV2Client(options), cache, options };
}

type Lister = (query: TimeoffRequestListQuery) => Promise<{ items: TimeoffRequest[]; next: object | null }>;

/** Every page of a walk with `limit`, as the route would serve them (the position round-trips through JSON). */
async function walk(list: Lister, filters: Partial<TimeoffRequestListQuery>, limit: number) {
  const pages: TimeoffRequest[][] = [];
  let position: unknown = null;
  for (;;) {
    const page = await list({ limit, position, includeRemoteData: false, ...filters });
    pages.push(page.items);
    if (!page.next) return pages;
    position = JSON.parse(JSON.stringify(page.next));
  }
}

describe('time-off requests through Personio v2', () => {
  it('gives the same unified records, page by page, as v1 over the same simulator data', async () => {
    const sandbox = createPersonioSandbox({
      employees: 40,
      seed: 11,
      v2RateLimits: { 'absence-periods': ROOMY, breakdowns: ROOMY, 'absence-types': ROOMY },
    });
    const { v1, v2 } = await clients(sandbox);
    const cases: Partial<TimeoffRequestListQuery>[] = [
      {},
      { startDate: '2026-01-20', endDate: '2026-03-31' },
      { startDate: '2026-02-01' },
      { endDate: '2025-12-01', statuses: ['approved', 'requested'] },
      { employeeId: String(sandbox.employeeIds()[3]) },
      { timeoffTypeId: '305', startDate: '2025-06-01', endDate: '2026-06-01' },
      { updatedAfter: new Date('2025-11-01T00:00:00Z') },
    ];
    for (const filters of cases) {
      for (const limit of [7, 50]) {
        const viaV1 = await walk((query) => listTimeoffRequests(v1, query), filters, limit);
        const viaV2 = await walk((query) => listTimeoffRequestsV2(v2, query), filters, limit);
        expect(JSON.stringify(viaV2), JSON.stringify(filters)).toBe(JSON.stringify(viaV1));
      }
    }
    // Both units and half days are among them, so the comparison covers every mapping branch.
    const all = (await walk((query) => listTimeoffRequestsV2(v2, query), {}, 200)).flat();
    expect(new Set(all.map((request) => request.units))).toEqual(new Set(['days', 'hours']));
    expect(all.some((request) => request.start_half_day || request.end_half_day)).toBe(true);
    expect(all.some((request) => request.start_time !== null)).toBe(true);
  });

  it('reads no absence outside the window: list pages only for the window, breakdowns only for what it returns', async () => {
    const sandbox = createPersonioSandbox({
      employees: 300,
      seed: 5,
      v2RateLimits: { 'absence-periods': ROOMY, breakdowns: ROOMY, 'absence-types': ROOMY },
    });
    const { v1, v2 } = await clients(sandbox);
    const window = { startDate: '2026-03-01', endDate: '2026-03-14' };

    sandbox.resetStats();
    const viaV1 = (await walk((query) => listTimeoffRequests(v1, query), window, 200)).flat();
    const v1Calls = { ...sandbox.stats.byRoute };
    sandbox.resetStats();
    const viaV2 = (await walk((query) => listTimeoffRequestsV2(v2, query), window, 200)).flat();
    const v2Calls = { ...sandbox.stats.byRoute };
    expect(viaV2).toEqual(viaV1);
    expect(viaV2.length).toBeGreaterThan(0);

    // The whole company's absences, to know how many lie outside the window.
    const everything = (await walk((query) => listTimeoffRequestsV2(v2, query), {}, 200)).flat();
    const outside = everything.length - viaV2.length;
    expect(outside).toBeGreaterThan(viaV2.length);
    // v2: the window's periods fit in ceil(n / 100) list pages; a breakdown call per returned record.
    expect(v2Calls['GET /v2/absence-periods']).toBe(Math.max(1, Math.ceil(viaV2.length / 100)));
    // One breakdown page (200 days) per returned record; parental leave can span several.
    const breakdownPages = viaV2.reduce((sum, request) => {
      const days =
        (Date.parse(request.end_date ?? request.start_date) - Date.parse(request.start_date)) / 86_400_000 +
        1;
      return sum + Math.max(1, Math.ceil(days / 200));
    }, 0);
    expect(v2Calls['GET /v2/absence-periods/:id/breakdowns']).toBe(breakdownPages);
    expect(Object.keys(v2Calls).some((route) => route.includes('/v1/'))).toBe(false);
    // v1 has no server-side window start for day-unit time-offs: it reads the history before the window too.
    expect(v1Calls['GET /v1/company/time-offs']).toBeGreaterThan(1);
  });

  it('shares the rate budget with v1 calls of the same account', async () => {
    const sandbox = createPersonioSandbox({ employees: 10, v2RateLimits: { 'absence-periods': ROOMY } });
    const { cache, options } = await clients(sandbox);
    const budget = new RateBudget(cache, 1, 4);
    const paced = (Client: typeof PersonioClient) =>
      new Client({ ...options, rateBudget: budget, retry: { ...options.retry, budgetMs: 300 } });
    const v1Paced = paced(PersonioClient);
    const v2Paced = paced(PersonioV2Client) as PersonioV2Client;
    // Four slots of burst: the v1 token exchange and one v1 call, the v2 token exchange and one v2 call use
    // them; the next call waits past its 300 ms budget and is refused by the gateway's own limiter, not sent.
    await v1Paced.get('/company/time-off-types', [], TimeOffTypeListSchema);
    await v2Paced.getV2('/v2/absence-types', [], v2List(V2AbsenceTypeSchema));
    const before = sandbox.stats.requests;
    const refused = await v2Paced
      .getV2('/v2/absence-types', [], v2List(V2AbsenceTypeSchema))
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).code).toBe('rate_limited');
    expect(sandbox.stats.requests).toBe(before);
  });

  it('exchanges one v2 token per account, kept apart from the v1 token, and refreshes it after a 401', async () => {
    const sandbox = createPersonioSandbox({ employees: 10 });
    const { v1, v2 } = await clients(sandbox);
    await Promise.all([1, 2, 3].map(() => v2.page('/v2/absence-types', [], null, V2AbsenceTypeSchema)));
    expect(sandbox.stats.v2AuthCalls).toBe(1);
    expect(sandbox.stats.authCalls).toBe(0);
    await listTimeoffRequests(v1, { limit: 1, position: null, includeRemoteData: false });
    expect(sandbox.stats.authCalls).toBe(1);
    sandbox.expireTokens();
    await v2.page('/v2/absence-types', [], null, V2AbsenceTypeSchema);
    expect(sandbox.stats.v2AuthCalls).toBe(2);
  });

  it('maps problem+json errors to the error envelope and a refused v2 token to a distinct, non-fatal error', async () => {
    const sandbox = createPersonioSandbox({ employees: 10 });
    const { v2 } = await clients(sandbox);
    const notFound = await v2
      .getV2('/v2/persons/999999999', [], V2PersonSchema)
      .catch((error: unknown) => error);
    expect(notFound).toBeInstanceOf(ApiError);
    expect((notFound as ApiError).code).toBe('provider_error');
    expect((notFound as ApiError).details).toMatchObject({
      upstream_status: 404,
      upstream_message: 'There is no resource for the specified id.',
    });
    expect((notFound as ApiError).details).toHaveProperty('upstream_trace_id');

    const { v2: v1Only } = await clients(sandbox, SANDBOX_V1_ONLY_CREDENTIAL);
    const refused = await v1Only.exchangeToken().catch((error: unknown) => error);
    expect(isV2AccessRefused(refused)).toBe(true);
    expect((refused as ApiError).code).toBe('provider_forbidden');
    expect(JSON.stringify((refused as ApiError).details)).not.toContain(
      SANDBOX_V1_ONLY_CREDENTIAL.clientSecret,
    );
  });

  it('refuses a cursor that is not one of its own', async () => {
    const sandbox = createPersonioSandbox({ employees: 10 });
    const { v2 } = await clients(sandbox);
    const error = await listTimeoffRequestsV2(v2, {
      limit: 5,
      position: { api: 'v2', cursor: null, examined: 500 },
      includeRemoteData: false,
    }).catch((caught: unknown) => caught);
    expect((error as ApiError).code).toBe('invalid_request');
  });
});
