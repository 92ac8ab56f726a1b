import { isNotNull, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import type { Services } from '../../src/context';
import { insertRequestLogs } from '../../src/db/queries/request-logs';
import { requestLogs, syncStates } from '../../src/db/schema';
import { silentLogger } from '../../src/lib/logger';
import { type NodeJobs, nodeJobs } from '../../src/runtime/node-jobs';
import { promMetrics } from '../../src/runtime/prom-metrics';
import type { PersonioSandbox } from '../../src/sandbox/personio';
import { createServices } from '../../src/services';
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
import { waitFor } from '../support/wait';

const UNPACED = { UPSTREAM_RATE_LIMIT_PER_SECOND: '1000', UPSTREAM_RATE_LIMIT_BURST: '1000' };
const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

interface RequestLog {
  id: string;
  created_at: string;
  method: string;
  route: string;
  status: number;
  duration_ms: number;
  error_code: string | null;
  linked_account_id: string | null;
  upstream: { method: string; path: string; status: number | null; duration_ms: number; attempt: number }[];
  retries: number;
  rate_limit_waits: number;
  token_exchanges: number;
}

describe('request logs and metrics over PostgreSQL + Redis', () => {
  let storage: Storage;
  let sandbox: PersonioSandbox;
  let gateway: TestGateway;
  let tenant: Tenant;
  let other: Tenant;

  beforeAll(async () => {
    storage = await openStorage('postgres');
    sandbox = createPersonioSandbox({ employees: 30, seed: 4 });
    const env = { ...UNPACED, METRICS_TOKEN };
    const setup = await startGateway(storage, sandbox, undefined, { env });
    tenant = await createTenant(setup);
    other = await createTenant(setup, SANDBOX_CREDENTIALS.full, 'Globex');
    gateway = await startGateway(storage, sandbox, tenant, { env });
    // The Node entry's metrics registry, as `npm start` passes it.
    gateway.deps.metrics = promMetrics();
    gateway.app = await createApp(gateway.deps);
  });

  afterAll(async () => {
    sandbox?.setFaults({});
    await storage?.close();
  });

  const call = async (path: string, init: Parameters<TestGateway['request']>[1] = {}) => {
    const response = await gateway.request(path, init);
    return {
      status: response.status,
      requestId: response.headers.get('x-request-id')!,
      body: await response.json(),
    };
  };

  /** The log of one request, once its batch is written. */
  const logOf = (requestId: string, as: Tenant = tenant) =>
    waitFor(async () => {
      const { body } = await call('/request-logs?limit=200', { apiKey: as.apiKey, linkedAccountId: null });
      return (body.result as RequestLog[]).find((log) => log.id === requestId);
    }, `the request log of ${requestId}`);

  it('records a unified call: route template, status, linked account, each upstream attempt, retries', async () => {
    // Half of Personio's answers are 503 (seeded): some call of the few below is retried.
    sandbox.setFaults({ serverErrorRate: 0.5, serverErrorStatuses: [503], seed: 2 });
    const ids: string[] = [];
    for (let index = 0; index < 4; index++) {
      const reply = await call('/unified/hris/employees?limit=5');
      expect(reply.status).toBe(200);
      ids.push(reply.requestId);
    }
    sandbox.setFaults({});
    const logs = await Promise.all(ids.map((id) => logOf(id)));
    for (const log of logs) {
      expect(log).toMatchObject({
        method: 'GET',
        route: '/unified/hris/employees',
        status: 200,
        error_code: null,
        linked_account_id: tenant.linkedAccountId,
      });
      expect(log.upstream.length).toBeGreaterThan(0);
      expect(log.upstream.every((upstream) => upstream.path.startsWith('/v1/'))).toBe(true);
    }
    const retried = logs.find((log) => log.retries > 0);
    expect(retried).toBeDefined();
    const statuses = retried!.upstream.map((upstream) => upstream.status);
    expect(statuses).toContain(503);
    expect(statuses.at(-1)).toBe(200);
    expect(retried!.upstream.at(-1)!.attempt).toBeGreaterThan(1);
    expect(retried!.upstream.filter((upstream) => upstream.attempt > 1)).toHaveLength(retried!.retries);
  });

  it('records a token exchange and the template of a route with an id; errors carry their code', async () => {
    // Every token is revoked after each resource request: the next call meets a 401 and exchanges again.
    sandbox.setFaults({ expireTokensEvery: 1 });
    await call('/unified/hris/employees?limit=1');
    const id = String(sandbox.employeeIds()[3]);
    const reply = await call(`/unified/hris/employees/${id}`);
    sandbox.setFaults({});
    expect(reply.status).toBe(200);
    const log = await logOf(reply.requestId);
    expect(log.route).toBe('/unified/hris/employees/:id');
    expect(log.token_exchanges).toBe(1);
    expect(log.upstream.map((upstream) => `${upstream.method} ${upstream.status}`)).toEqual([
      'GET 401',
      'POST 200',
      'GET 200',
    ]);

    const missing = await call('/unified/hris/employees/999999999');
    expect(missing.status).toBe(404);
    expect(await logOf(missing.requestId)).toMatchObject({ status: 404, error_code: 'not_found' });
  });

  it('does not count the calls of a sync pass it started as its own', async () => {
    const before = sandbox.stats.requests;
    const started = await call(`/linked-accounts/${tenant.linkedAccountId}/sync`, {
      method: 'POST',
      linkedAccountId: null,
    });
    expect(started.status).toBe(202);
    // The pass runs in the background of that request and calls Personio; none of it is the request's.
    await waitFor(async () => {
      if (sandbox.stats.requests <= before) return undefined;
      const status = await call(`/linked-accounts/${tenant.linkedAccountId}/sync`, { linkedAccountId: null });
      return status.body.result.last_pass && !status.body.result.running ? true : undefined;
    }, 'the sync pass');
    const log = await logOf(started.requestId);
    expect(log).toMatchObject({ route: '/linked-accounts/:id/sync', status: 202, upstream: [], retries: 0 });
  });

  it('never stores bodies, query strings, API keys, credentials or tokens', async () => {
    const email = 'secret.person@example.com';
    const query = await call(`/unified/hris/employees?email=${encodeURIComponent(email)}`);
    const note = 'private-note-about-surgery';
    const write = await call('/unified/hris/timeoff-requests', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        employee_id: String(sandbox.employeeIds()[2]),
        timeoff_type_id: '301',
        start_date: '2033-03-01',
        end_date: '2033-03-02',
        employee_note: note,
      }),
    });
    expect(write.status).toBe(201);
    const proxied = await call(`/proxy/company/employees?email=${encodeURIComponent(email)}`);
    expect(proxied.status).toBe(200);
    for (const reply of [query, write, proxied]) await logOf(reply.requestId);

    const rows = await storage.database.db.select().from(requestLogs);
    const stored = JSON.stringify(rows);
    for (const secret of [
      email,
      encodeURIComponent(email),
      note,
      tenant.apiKey,
      SANDBOX_CREDENTIALS.full.clientSecret,
      'Bearer',
      'email=',
      'client_secret',
    ]) {
      expect(stored).not.toContain(secret);
    }
    const proxyRow = rows.find((row) => row.id === proxied.requestId)!;
    expect(proxyRow.route).toBe('/proxy/*');
    expect(proxyRow.upstream.map((upstream) => upstream.path)).toEqual(['/v1/company/employees']);
  });

  it('filters by linked account, route, status class and time, walks with a cursor, and keeps tenants apart', async () => {
    const started = new Date();
    const ids = new Set<string>();
    for (let index = 0; index < 7; index++) {
      ids.add((await call('/unified/hris/timeoff-types')).requestId);
    }
    const notFound = await call('/unified/hris/employees/424242424');
    const lastId = (await call('/unified/hris/timeoff-types')).requestId;
    ids.add(lastId);
    await logOf(lastId);
    await logOf(notFound.requestId);

    const filters = `route=${encodeURIComponent('/unified/hris/timeoff-types')}&linked_account_id=${tenant.linkedAccountId}&created_after=${started.toISOString()}`;
    const seen: RequestLog[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { status: number; body: { result: RequestLog[]; next_cursor: string | null } } = await call(
        `/request-logs?limit=3&${filters}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        { linkedAccountId: null },
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.result);
      cursor = page.body.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(seen.map((log) => log.id))).toEqual(ids);
    expect(seen).toHaveLength(ids.size);
    // Newest first.
    const times = seen.map((log) => Date.parse(log.created_at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    const errors = await call(`/request-logs?status=4xx&created_after=${started.toISOString()}`, {
      linkedAccountId: null,
    });
    expect((errors.body.result as RequestLog[]).map((log) => log.id)).toEqual([notFound.requestId]);
    const exact = await call(`/request-logs?status=404&created_after=${started.toISOString()}`, {
      linkedAccountId: null,
    });
    expect((exact.body.result as RequestLog[]).map((log) => log.id)).toEqual([notFound.requestId]);
    const future = await call(
      `/request-logs?created_before=${started.toISOString()}&route=%2Funified%2Fhris%2Ftimeoff-types`,
      {
        linkedAccountId: null,
      },
    );
    expect((future.body.result as RequestLog[]).filter((log) => ids.has(log.id))).toEqual([]);

    // A cursor is bound to its filters, and another environment sees none of these logs.
    const first = await call(`/request-logs?limit=1&${filters}`, { linkedAccountId: null });
    const reused = await call(
      `/request-logs?limit=1&status=2xx&cursor=${encodeURIComponent(first.body.next_cursor)}`,
      {
        linkedAccountId: null,
      },
    );
    expect(reused.status).toBe(400);
    expect(reused.body.error.code).toBe('invalid_request');
    const theirs = await call('/request-logs?limit=200', { apiKey: other.apiKey, linkedAccountId: null });
    expect(theirs.status).toBe(200);
    expect((theirs.body.result as RequestLog[]).some((log) => ids.has(log.id))).toBe(false);
    const bad = await call('/request-logs?status=6xx', { linkedAccountId: null });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe('status');
    expect((await call('/request-logs', { apiKey: null, linkedAccountId: null })).status).toBe(401);
  });

  it('serves /metrics in Prometheus text, only with the metrics token', async () => {
    sandbox.setFaults({ expireTokensEvery: 1 });
    await call('/unified/hris/employees?limit=2');
    await call('/unified/hris/employees?limit=2');
    // Every answer a 503 once, then fine: retried through.
    const unavailableBefore = sandbox.stats.byStatus[503] ?? 0;
    sandbox.setFaults({ serverErrorRate: 1, serverErrorStatuses: [503] });
    const retried = gateway.request('/unified/hris/timeoff-types');
    await waitFor(
      async () => ((sandbox.stats.byStatus[503] ?? 0) > unavailableBefore ? true : undefined),
      'a 503',
    );
    sandbox.setFaults({});
    expect((await retried).status).toBe(200);
    await call('/proxy/company/employees?limit=1');
    // Acme has completed a pass (the test above, or this one); Globex never has.
    await call(`/linked-accounts/${tenant.linkedAccountId}/sync`, { method: 'POST', linkedAccountId: null });
    await waitFor(async () => {
      const status = await call(`/linked-accounts/${tenant.linkedAccountId}/sync`, { linkedAccountId: null });
      return status.body.result.last_pass?.status === 'completed' ? true : undefined;
    }, 'a completed sync pass');

    const denied = await gateway.request('/metrics', { apiKey: null, linkedAccountId: null });
    expect(denied.status).toBe(401);
    expect((await denied.json()).error.code).toBe('unauthorized');
    // A tenant's API key is not the operator's token: the figures cover every environment.
    const withApiKey = await gateway.request('/metrics', { linkedAccountId: null });
    expect(withApiKey.status).toBe(401);
    const wrong = await gateway.request('/metrics', {
      apiKey: null,
      linkedAccountId: null,
      headers: { authorization: `Bearer ${METRICS_TOKEN}x` },
    });
    expect(wrong.status).toBe(401);

    const response = await gateway.request('/metrics', {
      apiKey: null,
      linkedAccountId: null,
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const samples = parsePrometheus(await response.text());
    const value = (name: string, labels: Record<string, string> = {}) =>
      samples
        .filter(
          (sample) =>
            sample.name === name &&
            Object.entries(labels).every(([key, want]) => sample.labels[key] === want),
        )
        .reduce((sum, sample) => sum + sample.value, 0);
    expect(
      value('roster_http_request_duration_seconds_count', {
        route: '/unified/hris/employees',
        method: 'GET',
        status_class: '2xx',
      }),
    ).toBeGreaterThanOrEqual(2);
    expect(value('roster_http_request_duration_seconds_count', { route: '/proxy/*' })).toBeGreaterThanOrEqual(
      1,
    );
    expect(
      value('roster_http_request_duration_seconds_bucket', { route: '/unified/hris/employees', le: '+Inf' }),
    ).toBe(value('roster_http_request_duration_seconds_count', { route: '/unified/hris/employees' }));
    expect(value('roster_upstream_responses_total', { method: 'GET', status: '200' })).toBeGreaterThan(0);
    expect(value('roster_upstream_responses_total', { status: '401' })).toBeGreaterThanOrEqual(1);
    expect(value('roster_upstream_responses_total', { status: '503' })).toBeGreaterThanOrEqual(1);
    expect(value('roster_upstream_retries_total')).toBeGreaterThanOrEqual(1);
    expect(value('roster_token_exchanges_total')).toBeGreaterThanOrEqual(1);
    for (const name of [
      'roster_rate_budget_waits_total',
      'roster_rate_budget_wait_seconds_total',
      'roster_sync_lag_seconds',
      'roster_sync_never_completed_accounts',
      'roster_webhook_backlog',
      'roster_webhook_oldest_pending_seconds',
    ]) {
      expect(samples.some((sample) => sample.name === name)).toBe(true);
    }
    // Globex's first pass (started when it was linked) may or may not have completed by now.
    const completed = await storage.database.db
      .select({ id: syncStates.linkedAccountId })
      .from(syncStates)
      .where(isNotNull(syncStates.lastCompletedAt));
    expect(completed.map((state) => state.id)).toContain(tenant.linkedAccountId);
    expect(value('roster_sync_never_completed_accounts')).toBe(2 - completed.length);
    expect(value('roster_sync_lag_seconds')).toBeGreaterThan(0);
    expect(value('roster_webhook_backlog')).toBe(0);
  });

  it('records rate-budget waits when the account budget paces calls', async () => {
    const paced = await startGateway(storage, sandbox, tenant, {
      env: { UPSTREAM_RATE_LIMIT_PER_SECOND: '20', UPSTREAM_RATE_LIMIT_BURST: '1' },
    });
    const replies = await Promise.all([0, 1, 2].map(() => paced.request('/unified/hris/timeoff-types')));
    const ids = replies.map((reply) => reply.headers.get('x-request-id')!);
    const logs = await Promise.all(ids.map((id) => logOf(id)));
    expect(logs.reduce((sum, log) => sum + log.rate_limit_waits, 0)).toBeGreaterThan(0);
  });

  it('answers calls while request logs cannot be written, and logs again once they can', async () => {
    const warnings: string[] = [];
    const watched = await startGateway(storage, sandbox, tenant, { env: UNPACED });
    watched.deps.logger = { ...silentLogger, warn: (message) => warnings.push(message) };
    watched.app = await createApp(watched.deps);
    const { db } = storage.database;
    await db.execute(sql`alter table request_logs rename to request_logs_away`);
    try {
      const lost = await watched.request('/unified/hris/timeoff-types');
      expect(lost.status).toBe(200);
      // The batch is written after the answer, and fails: the call was answered all the same.
      await waitFor(
        async () => (warnings.includes('could not write request logs; dropped them') ? true : undefined),
        'the failed batch write',
      );
    } finally {
      await db.execute(sql`alter table request_logs_away rename to request_logs`);
    }
    const back = await watched.request('/unified/hris/timeoff-types');
    expect(back.status).toBe(200);
    expect((await logOf(back.headers.get('x-request-id')!)).status).toBe(200);
  });

  it('is not served without METRICS_TOKEN, and REQUEST_LOGS=false records nothing', async () => {
    const quiet = await startGateway(storage, sandbox, tenant, {
      env: { ...UNPACED, REQUEST_LOGS: 'false' },
    });
    const metrics = await quiet.request('/metrics', { apiKey: null, linkedAccountId: null });
    expect(metrics.status).toBe(404);
    const reply = await quiet.request('/unified/hris/timeoff-types');
    const quietId = reply.headers.get('x-request-id')!;
    // A later call through the logging gateway is written; the quiet one never is.
    const marker = await call('/unified/hris/timeoff-types');
    await logOf(marker.requestId);
    const rows = await storage.database.db.select({ id: requestLogs.id }).from(requestLogs);
    expect(rows.map((row) => row.id)).not.toContain(quietId);
  });
});

describe('request log retention', () => {
  let storage: Storage;
  let jobs: NodeJobs | undefined;

  afterAll(async () => {
    await jobs?.close();
    await storage?.close();
  });

  it('drops logs older than REQUEST_LOG_RETENTION_DAYS in the retention sweep and keeps newer ones', async () => {
    storage = await openStorage('postgres');
    const sandbox = createPersonioSandbox({ employees: 10 });
    const setup = await startGateway(storage, sandbox, undefined, {
      env: { RUN_JOBS: 'false', REQUEST_LOG_RETENTION_DAYS: '3' },
    });
    const tenant = await createTenant(setup);
    const day = 86_400_000;
    const row = (id: string, ageMs: number) => ({
      id,
      environmentId: tenant.environmentId,
      method: 'GET',
      route: '/unified/hris/employees',
      status: 200,
      durationMs: 5,
      upstream: [],
      retries: 0,
      rateLimitWaits: 0,
      rateLimitWaitMs: 0,
      tokenExchanges: 0,
      createdAt: new Date(Date.now() - ageMs),
    });
    await insertRequestLogs(storage.database.db, [
      row('req_old1', 4 * day),
      row('req_old2', 10 * day),
      row('req_new1', 2 * day),
      row('req_new2', 60_000),
    ]);
    jobs = nodeJobs(setup.deps.config, silentLogger, 'worker');
    const services: Services = await createServices({ ...setup.deps, jobs: jobs.factory });
    await jobs.start(services);
    const kept = await waitFor(async () => {
      const rows = await storage.database.db.select({ id: requestLogs.id }).from(requestLogs);
      const ids = rows.map((stored) => stored.id).sort();
      return ids.includes('req_old1') || ids.includes('req_old2') ? undefined : ids;
    }, 'the retention sweep');
    expect(kept).toEqual(['req_new1', 'req_new2']);
  });
});

describe.each(['pglite', 'postgres'] as const)('request log writes over %s', (backend) => {
  let storage: Storage;

  afterAll(async () => {
    await storage?.close();
  });

  it('stores every field as given, including tabs, newlines, backslashes and the text \\N', async () => {
    storage = await openStorage(backend);
    const awkward = 'a\tb\nc\rd\\e \\N ü 🎉';
    const createdAt = new Date('2026-11-30T12:34:56.789Z');
    const rows = [
      {
        id: 'req_awkward',
        environmentId: 'env_1',
        linkedAccountId: 'la_1',
        apiKeyId: 'key_1',
        method: 'GET',
        route: awkward,
        status: 502,
        durationMs: 7,
        errorCode: awkward,
        upstream: [{ method: 'GET', path: `/v1/${awkward}`, status: null, duration_ms: 3, attempt: 2 }],
        retries: 1,
        rateLimitWaits: 2,
        rateLimitWaitMs: 30,
        tokenExchanges: 1,
        createdAt,
      },
      {
        id: 'req_nulls',
        environmentId: 'env_1',
        linkedAccountId: null,
        apiKeyId: null,
        method: 'POST',
        route: 'unmatched',
        status: 404,
        durationMs: 0,
        errorCode: null,
        upstream: [],
        retries: 0,
        rateLimitWaits: 0,
        rateLimitWaitMs: 0,
        tokenExchanges: 0,
        createdAt,
      },
    ];
    await insertRequestLogs(storage.database.db, rows);
    const stored = await storage.database.db.select().from(requestLogs).orderBy(requestLogs.seq);
    expect(stored.map(({ seq: _seq, ...row }) => row)).toEqual(rows);
  });
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text format (0.0.4), strictly: every line a comment or `name{labels} value`. */
function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.eE+-]+|NaN|\+Inf|-Inf)$/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1]!] = pair[2]!;
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}
