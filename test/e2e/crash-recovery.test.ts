import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonioSandbox } from '../../src/sandbox/personio';
import { TEST_CONNECT_TIMEOUT_MS } from '../harness/databases';
import {
  createPersonioSandbox,
  createTenant,
  ENCRYPTION_KEY,
  openStorage,
  type Storage,
  startGateway,
  type Tenant,
} from '../support/gateway';
import { type LoopbackServer, serveFetch } from '../support/http-servers';
import { freePort, type RunningProcess, startProcess } from '../support/processes';
import { sandboxAbsences } from '../support/timeoff';

const REQUESTS = '/unified/hris/timeoff-requests';
/** A cut-off write's key must be free again within a short lease (seconds, not minutes). */
const MAX_LEASE_SECONDS = 30;

/**
 * A keyed create whose gateway process is killed (SIGKILL) after Personio created the absence but before
 * the gateway answered: the same key on a new process must come back with that absence, not write again.
 */
describe('a keyed write cut off by a killed gateway process', { timeout: 180_000 }, () => {
  let storage: Storage;
  let sandbox: PersonioSandbox;
  let personio: LoopbackServer;
  let tenant: Tenant;
  const gateways: RunningProcess[] = [];

  beforeAll(async () => {
    storage = await openStorage('postgres');
    sandbox = createPersonioSandbox({ employees: 20, seed: 5 });
    personio = await serveFetch(sandbox.fetch);
    tenant = await createTenant(
      await startGateway(storage, null, undefined, {
        env: { PERSONIO_BASE_URL: `${personio.url}/v1` },
        fetch: (request) => fetch(request),
      }),
    );
    // Linking probes write access with a refused (empty) time-off create; the count below is of real writes.
    sandbox.resetStats();
  });

  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    await personio?.close();
    await storage?.close();
  });

  /** One gateway process (`node --import tsx src/node.ts`, no npm in between, so its PID is the gateway's). */
  async function startGatewayProcess(): Promise<{ process: RunningProcess; url: string }> {
    const port = await freePort();
    const child = startProcess(process.execPath, ['--import', 'tsx', 'src/node.ts'], {
      PORT: String(port),
      DATABASE_URL: storage.databaseUrl!,
      DATABASE_CONNECT_TIMEOUT_MS: String(TEST_CONNECT_TIMEOUT_MS),
      ENCRYPTION_KEY,
      PERSONIO_BASE_URL: `${personio.url}/v1`,
      // The held answer must still be awaited when the process is killed.
      UPSTREAM_TIMEOUT_MS: '120000',
      UPSTREAM_RATE_LIMIT_PER_SECOND: '1000',
      UPSTREAM_RATE_LIMIT_BURST: '1000',
      LOG_LEVEL: 'warn',
    });
    gateways.push(child);
    await child.waitFor(/Ready in \d+ ms/, 90_000);
    return { process: child, url: `http://127.0.0.1:${port}` };
  }

  it('returns the absence the first request created, and Personio holds exactly one', async () => {
    const employeeId = String(sandbox.employeeIds()[3]);
    const date = '2035-03-14';
    const body = JSON.stringify({
      employee_id: employeeId,
      timeoff_type_id: '301',
      start_date: date,
      end_date: date,
    });
    const create = (url: string) =>
      fetch(`${url}${REQUESTS}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${tenant.apiKey}`,
          'x-linked-account-id': tenant.linkedAccountId,
          'content-type': 'application/json',
          'idempotency-key': 'crash-1',
        },
        body,
      });
    const onThatDay = async () =>
      (await sandboxAbsences(sandbox)).filter(
        (absence) => absence.employeeId === employeeId && absence.firstDay === date,
      );

    // Personio creates the absence, then holds its answer.
    sandbox.setFaults({ lateAnswerRate: 1, hangMs: 150_000, methods: ['POST'] });
    const first = await startGatewayProcess();
    const cutOff = create(first.url).then(
      (response) => response.status,
      () => 'connection lost',
    );
    const deadline = Date.now() + 60_000;
    while ((await onThatDay()).length === 0) {
      if (Date.now() > deadline) throw new Error(`the absence was never created:\n${first.process.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    process.kill(first.process.child.pid!, 'SIGKILL');
    expect(await first.process.exited).toBeNull();
    expect(await cutOff).toBe('connection lost');
    const [created] = await onThatDay();
    sandbox.setFaults({});

    const second = await startGatewayProcess();
    const retryDeadline = Date.now() + 2 * MAX_LEASE_SECONDS * 1000;
    let response = await create(second.url);
    while (response.status === 409) {
      // The killed request's lease has not run out yet: come back when Retry-After says.
      const retryAfter = Number(response.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(MAX_LEASE_SECONDS);
      if (Date.now() + retryAfter * 1000 > retryDeadline) {
        throw new Error(`still 409 after the lease: ${await response.text()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
      response = await create(second.url);
    }
    const answer = (await response.json()) as { result: { id: string; start_date: string } };
    expect(response.status, JSON.stringify(answer)).toBe(201);
    expect(answer.result).toMatchObject({ id: created!.id, start_date: date });
    expect(await onThatDay()).toHaveLength(1);

    const replay = await create(second.url);
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(((await replay.json()) as { result: { id: string } }).result.id).toBe(created!.id);
    expect(sandbox.stats.byRoute['POST /v1/company/time-offs']).toBe(1);
  });
});
