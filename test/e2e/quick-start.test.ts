import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startProcess } from '../support/processes';

/** What the README promises: `npm start` on embedded defaults, then a curl that lists sandbox employees. */
describe('npm start on embedded defaults', { timeout: 120_000 }, () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'roster-quick-start-'));
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  async function start() {
    const port = await freePort();
    const gateway = startProcess('npm', ['start', '--silent'], {
      PORT: String(port),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    });
    await gateway.waitFor(/Ready in \d+ ms/, 90_000);
    return { gateway, baseUrl: `http://127.0.0.1:${port}` };
  }

  it('prints the URLs, a sandbox key and linked account, and serves employees over HTTP', async () => {
    const { gateway, baseUrl } = await start();
    try {
      const output = gateway.output();
      expect(output).toContain(`Roster is listening on ${baseUrl}`);
      expect(output).toContain(`${baseUrl}/docs`);
      const apiKey = output.match(/Sandbox API key:\s+(sk_test_\w+)/)?.[1];
      const linkedAccountId = output.match(/Sandbox linked account id:\s+(la_\w+)/)?.[1];
      expect(apiKey).toBeDefined();
      expect(linkedAccountId).toBeDefined();

      const response = await fetch(`${baseUrl}/unified/hris/employees?limit=2`, {
        headers: { authorization: `Bearer ${apiKey}`, 'x-linked-account-id': linkedAccountId! },
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as {
        result: { id: string; work_email: string }[];
        next_cursor: string;
      };
      expect(body.result).toHaveLength(2);
      expect(body.result[0]!.work_email).toMatch(/@/);
      expect(body.next_cursor).toEqual(expect.any(String));

      const key = await stat(join(dataDir, 'encryption.key'));
      expect(key.mode & 0o077).toBe(0);
      expect(output).toContain('generated an encryption key');
    } finally {
      await gateway.stop();
    }
  });

  it('keeps its data across restarts and prints the same sandbox credentials', async () => {
    const seed = JSON.parse(await readFile(join(dataDir, 'sandbox.json'), 'utf8')) as {
      api_key: string;
      linked_account_id: string;
    };
    const { gateway, baseUrl } = await start();
    try {
      expect(gateway.output()).toContain(seed.api_key);
      expect(gateway.output()).not.toContain('generated an encryption key');
      const response = await fetch(`${baseUrl}/unified/hris/employees/does-not-exist`, {
        headers: { authorization: `Bearer ${seed.api_key}`, 'x-linked-account-id': seed.linked_account_id },
      });
      expect(response.status).toBe(404);
    } finally {
      await gateway.stop();
    }
  });

  it('refuses to start with a bad setting and names the variable', async () => {
    const gateway = startProcess('npm', ['start', '--silent'], { PORT: 'eighty', DATA_DIR: dataDir });
    await gateway.waitFor(/PORT:/);
    expect(await gateway.exited).not.toBe(0);
  });
});
