import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type RunningProcess, startProcess } from '../support/processes';

const root = resolve(import.meta.dirname, '../..');

/**
 * The README's webhooks walkthrough on embedded defaults: `npm start`, an endpoint on loopback, the
 * README's own receiver (taken from the README, verifying with `standardwebhooks`), a sandbox hire and a
 * sync; the receiver prints the verified `employee.created` and `employee.hired`.
 */
describe('webhooks quick start on embedded defaults', { timeout: 180_000 }, () => {
  let dataDir: string;
  let receiverDir: string;
  let gateway: RunningProcess;
  let receiver: RunningProcess | undefined;
  let baseUrl: string;
  let headers: Record<string, string>;
  let linkedAccountId: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'roster-hooks-start-'));
    const port = await freePort();
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
    // Inside the checkout (ignored by git), so `standardwebhooks` resolves as in a project that installed it.
    receiverDir = join(root, 'test-results', `webhook-receiver-${process.pid}`);
    await mkdir(receiverDir, { recursive: true });
  });

  afterAll(async () => {
    await receiver?.stop();
    await gateway?.stop();
    await rm(dataDir, { recursive: true, force: true });
    await rm(receiverDir, { recursive: true, force: true });
  });

  it('delivers a sandbox hire to the README receiver, which verifies it', async () => {
    const readme = await readFile(join(root, 'README.md'), 'utf8');
    const code = readme.match(/```js\n(\/\/ receiver\.mjs\n[\s\S]*?)```/)?.[1];
    expect(code, 'the README shows receiver.mjs').toBeDefined();
    await writeFile(join(receiverDir, 'receiver.mjs'), code!);

    const receiverPort = await freePort();
    const created = await fetch(`${baseUrl}/webhook-endpoints`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        url: `http://127.0.0.1:${receiverPort}/webhooks`,
        event_types: ['employee.*', 'timeoff_request.approved'],
      }),
    });
    expect(created.status).toBe(201);
    const { secret } = ((await created.json()) as { result: { secret: string } }).result;
    receiver = startProcess('node', [join(receiverDir, 'receiver.mjs')], {
      ROSTER_WEBHOOK_SECRET: secret,
      PORT: String(receiverPort),
    });
    // The test ping doubles as the readiness check: it is delivered once the receiver listens.
    let ping: { delivered: boolean } | undefined;
    for (const deadline = Date.now() + 30_000; !ping?.delivered && Date.now() < deadline; ) {
      const reply = await fetch(`${baseUrl}/webhook-endpoints/${await endpointId()}/test`, {
        method: 'POST',
        headers,
      });
      ping = ((await reply.json()) as { result: { delivered: boolean } }).result;
      if (!ping.delivered) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(ping?.delivered).toBe(true);
    await receiver.waitFor(/^ping /m, 30_000);

    const hire = await fetch(`${baseUrl}/sandbox/actions`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        linked_account_id: linkedAccountId,
        action: 'hire_employee',
        first_name: 'Ada',
        last_name: 'Lovelace',
      }),
    });
    expect(hire.status).toBe(200);
    const employeeId = ((await hire.json()) as { result: { employee_id: string } }).result.employee_id;
    const sync = await fetch(`${baseUrl}/linked-accounts/${linkedAccountId}/sync`, {
      method: 'POST',
      headers,
    });
    expect(sync.status).toBe(202);
    await receiver.waitFor(new RegExp(`^employee\\.hired ${employeeId}$`, 'm'), 90_000);
    await receiver.waitFor(new RegExp(`^employee\\.created ${employeeId}$`, 'm'), 30_000);
  });

  async function endpointId(): Promise<string> {
    const list = await fetch(`${baseUrl}/webhook-endpoints`, { headers });
    return ((await list.json()) as { result: { id: string }[] }).result[0]!.id;
  }
});
