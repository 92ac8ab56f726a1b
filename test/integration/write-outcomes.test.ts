import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
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
  PERSONIO_RATE_LIMIT_PER_SECOND: '1000',
  PERSONIO_RATE_LIMIT_BURST: '1000',
  PERSONIO_TIMEOUT_MS: '250',
  PERSONIO_RETRY_BUDGET_MS: '5000',
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
});
