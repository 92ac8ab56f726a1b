import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { claimIdempotencyKey } from '../../src/db/queries/idempotency';
import { IDEMPOTENCY_LEASE_MS, IDEMPOTENCY_TTL_MS, requestFingerprint } from '../../src/lib/idempotency';
import type { TimeoffRequest } from '../../src/models/timeoff';
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
import { send } from '../support/timeoff';

const REQUESTS = '/unified/hris/timeoff-requests';
const ENV = {
  UPSTREAM_RATE_LIMIT_PER_SECOND: '1000',
  UPSTREAM_RATE_LIMIT_BURST: '1000',
  UPSTREAM_TIMEOUT_MS: '250',
  UPSTREAM_RETRY_BUDGET_MS: '5000',
};

/**
 * Personio cannot de-duplicate writes. These tests inject failures where the outcome is unknown (the write
 * happened but the answer was lost) and where it is known (Personio refused before acting), and check that
 * an idempotent write is performed exactly once either way.
 */
describe('keyed writes under upstream failures', () => {
  let storage: Storage;
  let sandbox: PersonioSandbox;
  let gateway: TestGateway;
  let tenant: Tenant;
  let day = 0;
  const nextDay = () => `2034-01-${String(++day).padStart(2, '0')}`;
  const employeeId = () => String(sandbox.employeeIds()[2]);

  beforeAll(async () => {
    storage = await openStorage('pglite');
    sandbox = createPersonioSandbox({ employees: 20, seed: 8 });
    const setup = await startGateway(storage, sandbox, undefined, { env: ENV });
    tenant = await createTenant(setup);
    gateway = await startGateway(storage, sandbox, tenant, { env: ENV });
  });

  afterAll(async () => {
    await storage?.close();
  });

  beforeEach(() => {
    sandbox.setFaults({});
    sandbox.resetStats();
  });

  const create = (date: string, key?: string) =>
    send(gateway, tenant, 'POST', REQUESTS, {
      body: { employee_id: employeeId(), timeoff_type_id: '301', start_date: date, end_date: date },
      headers: key ? { 'idempotency-key': key } : {},
    });

  const absencesOn = async (date: string) =>
    (
      await walk<TimeoffRequest>(
        gateway,
        `${REQUESTS}?employee_id=${employeeId()}&start_date=${date}&end_date=${date}`,
      )
    ).items.filter((item) => item.start_date === date);

  it('creates exactly once when 5xx answers are injected before Personio acts', async () => {
    sandbox.setFaults({
      serverErrorRate: 0.6,
      serverErrorStatuses: [502, 503, 504],
      methods: ['POST'],
      seed: 3,
    });
    const dates = Array.from({ length: 8 }, nextDay);
    for (const [index, date] of dates.entries()) {
      const reply = await create(date, `faulty-${index}`);
      expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    }
    sandbox.setFaults({});
    for (const date of dates) expect(await absencesOn(date)).toHaveLength(1);
    expect(sandbox.stats.byStatus[502] ?? 0).toBeGreaterThan(0);
  });

  it('finds the absence instead of writing again when the answer was lost after Personio acted', async () => {
    const date = nextDay();
    sandbox.setFaults({ lateAnswerRate: 1, hangMs: 600, methods: ['POST'] });
    const reply = await create(date, 'late-answer');
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    sandbox.setFaults({});
    const existing = await absencesOn(date);
    expect(existing).toHaveLength(1);
    expect(reply.body.result.id).toBe(existing[0]!.id);
    expect(sandbox.stats.byRoute['POST /v1/company/time-offs']).toBe(1);

    const replay = await create(date, 'late-answer');
    expect(replay.status).toBe(201);
    expect(replay.body.result.id).toBe(existing[0]!.id);
    expect(sandbox.stats.byRoute['POST /v1/company/time-offs']).toBe(1);
  });

  it('without a key, reports the timeout and sends nothing again', async () => {
    const date = nextDay();
    sandbox.setFaults({ lateAnswerRate: 1, hangMs: 600, methods: ['POST'] });
    const reply = await create(date);
    expect(reply.status).toBe(504);
    expect(reply.body.error.code).toBe('provider_timeout');
    expect(sandbox.stats.byRoute['POST /v1/company/time-offs']).toBe(1);
    sandbox.setFaults({});
    // It did happen: the caller was told the outcome is unknown, and a list shows the truth.
    expect(await absencesOn(date)).toHaveLength(1);
  });

  it('deletes with a key: a lost answer to a delete that happened is a success, not a 404', async () => {
    const date = nextDay();
    const created = await create(date, 'to-delete');
    expect(created.status).toBe(201);
    sandbox.setFaults({ lateAnswerRate: 1, hangMs: 600, methods: ['DELETE'] });
    const deleted = await send(gateway, tenant, 'DELETE', `${REQUESTS}/${created.body.result.id}`, {
      headers: { 'idempotency-key': 'delete-late' },
    });
    expect(deleted.status, JSON.stringify(deleted.body)).toBeLessThan(300);
    sandbox.setFaults({});
    expect(await absencesOn(date)).toHaveLength(0);
  });

  /** A claim of `key` by a request whose gateway process died a lease ago, before it answered. */
  const abandonedClaim = async (key: string, method: string, path: string, body: unknown) => {
    const outcome = await claimIdempotencyKey(gateway.deps.db, {
      environmentId: tenant.environmentId,
      scope: tenant.linkedAccountId,
      key,
      requestHash: await requestFingerprint(method, path, body),
      now: new Date(Date.now() - IDEMPOTENCY_LEASE_MS - 60_000),
      ttlMs: IDEMPOTENCY_TTL_MS,
      leaseMs: IDEMPOTENCY_LEASE_MS,
    });
    expect(outcome.state).toBe('claimed');
  };

  it('a keyed delete cut off by a stopped process: the retry finds the absence gone and answers deleted', async () => {
    const date = nextDay();
    const created = await create(date);
    const path = `${REQUESTS}/${created.body.result.id}`;
    // The cut-off request did delete it in Personio; its process died before it answered.
    expect((await send(gateway, tenant, 'DELETE', path)).status).toBe(200);
    await abandonedClaim('delete-cut-off', 'DELETE', path, null);
    sandbox.resetStats();

    const retry = await send(gateway, tenant, 'DELETE', path, {
      headers: { 'idempotency-key': 'delete-cut-off' },
    });
    expect(retry.status, JSON.stringify(retry.body)).toBe(200);
    expect(retry.body.result).toEqual({ id: created.body.result.id, deleted: true });
    expect(sandbox.stats.byRoute[`DELETE /v1/company/time-offs/${created.body.result.id}`] ?? 0).toBe(0);
  });

  it('a keyed delete cut off before it reached Personio is sent on the retry', async () => {
    const date = nextDay();
    const created = await create(date);
    const path = `${REQUESTS}/${created.body.result.id}`;
    await abandonedClaim('delete-not-sent', 'DELETE', path, null);
    const retry = await send(gateway, tenant, 'DELETE', path, {
      headers: { 'idempotency-key': 'delete-not-sent' },
    });
    expect(retry.status, JSON.stringify(retry.body)).toBe(200);
    expect(await absencesOn(date)).toHaveLength(0);
  });

  it('a keyed proxy write cut off by a stopped process is answered 409 outcome unknown, not sent again', async () => {
    const body = JSON.stringify({ attendances: [{ employee: 1, date: '2034-02-01' }] });
    const bytes = new TextEncoder().encode(body);
    const sha256 = Buffer.from(await crypto.subtle.digest('SHA-256', bytes)).toString('hex');
    await abandonedClaim('proxy-cut-off', 'POST', '/v1/company/attendances', {
      sha256,
      content_type: 'application/json',
    });
    sandbox.resetStats();
    const retry = () =>
      gateway.request('/proxy/company/attendances', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'proxy-cut-off' },
        body,
      });
    const first = await retry();
    const answer = (await first.json()) as { error: { code: string; message: string; details: unknown } };
    expect(first.status, JSON.stringify(answer)).toBe(409);
    expect(answer.error).toMatchObject({
      code: 'conflict',
      details: [{ field: 'Idempotency-Key', message: 'outcome unknown' }],
    });
    expect(answer.error.message).toMatch(/unknown/);
    const again = await retry();
    expect(again.status).toBe(409);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(sandbox.stats.requests).toBe(0);
  });
});
