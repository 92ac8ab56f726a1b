import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type RunningProcess, startProcess } from '../support/processes';

const run = promisify(execFile);

/**
 * The README's change-feed walkthrough on embedded defaults: `npm start`, a hire (through the admin
 * CLI) and an approval (through the API) in the sandbox, `POST /linked-accounts/{id}/sync`, then
 * `employee.created`, `employee.hired` and `timeoff_request.approved` in `GET /events`.
 */
describe('change feed quick start on embedded defaults', { timeout: 180_000 }, () => {
  let dataDir: string;
  let gateway: RunningProcess;
  let baseUrl: string;
  let port: number;
  let headers: Record<string, string>;
  let linkedAccountId: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'roster-feed-start-'));
    port = await freePort();
    gateway = startProcess('npm', ['start', '--silent'], {
      PORT: String(port),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    });
    await gateway.waitFor(/Ready in \d+ ms/, 120_000);
    baseUrl = `http://127.0.0.1:${port}`;
    const apiKey = gateway.output().match(/Sandbox API key:\s+(sk_test_\w+)/)![1]!;
    linkedAccountId = gateway.output().match(/Sandbox linked account id:\s+(la_\w+)/)![1]!;
    headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
  });

  afterAll(async () => {
    await gateway?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('shows a sandbox hire and approval as events after a sync', async () => {
    const hire = await run(
      'npm',
      [
        'run',
        '--silent',
        'admin',
        '--',
        'sandbox-action',
        '--action',
        'hire_employee',
        '--set',
        'first_name=Ada',
        '--set',
        'last_name=Lovelace',
      ],
      { env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn' } },
    );
    const employeeId = (JSON.parse(hire.stdout) as { result: { employee_id: string } }).result.employee_id;
    expect(employeeId).toMatch(/^\d+$/);

    const today = new Date().toISOString().slice(0, 10);
    const pending = await fetch(
      `${baseUrl}/unified/hris/timeoff-requests?status=requested&start_date=${today}&limit=1`,
      { headers: { ...headers, 'x-linked-account-id': linkedAccountId } },
    );
    const requestId = ((await pending.json()) as { result: { id: string }[] }).result[0]!.id;
    const approve = await fetch(`${baseUrl}/sandbox/actions`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        linked_account_id: linkedAccountId,
        action: 'approve_timeoff',
        timeoff_request_id: requestId,
      }),
    });
    expect(approve.status).toBe(200);

    const requestedAt = Date.now();
    const sync = await fetch(`${baseUrl}/linked-accounts/${linkedAccountId}/sync`, {
      method: 'POST',
      headers,
    });
    expect(sync.status).toBe(202);
    const deadline = Date.now() + 90_000;
    for (;;) {
      const status = (await (
        await fetch(`${baseUrl}/linked-accounts/${linkedAccountId}/sync`, { headers })
      ).json()) as {
        result: { running: unknown; last_pass: { started_at: string; status: string } | null };
      };
      const last = status.result.last_pass;
      if (!status.result.running && last && Date.parse(last.started_at) >= requestedAt) {
        expect(last.status).toBe('completed');
        break;
      }
      if (Date.now() > deadline) throw new Error('the pass did not finish');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const events = (await (await fetch(`${baseUrl}/events?limit=200`, { headers })).json()) as {
      result: { type: string; data: { object: { id: string } } }[];
    };
    const records = events.result
      .filter((event) => !event.type.startsWith('linked_account.'))
      .map((event) => `${event.type} ${event.data.object.id}`);
    expect(records.sort()).toEqual(
      [
        `employee.created ${employeeId}`,
        `employee.hired ${employeeId}`,
        `timeoff_request.updated ${requestId}`,
        `timeoff_request.approved ${requestId}`,
      ].sort(),
    );
  });
});
