import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectPglite } from '../../src/db/connect';
import { getSyncPass, getSyncState } from '../../src/db/queries/sync';
import { LOCK_FILE } from '../../src/runtime/data-dir-lock';
import { freePort, type RunningProcess, startProcess } from '../support/processes';

interface SyncStatus {
  result: {
    running: { id: string; initial: boolean; counts: { upstream_pages: number } } | null;
    last_pass: { id: string; status: string; initial: boolean } | null;
  };
}

/**
 * A first embedded start listens before the built-in sandbox account's first pass has filled the copy; a
 * SIGTERM while that pass runs stops it at a page boundary (exit 0, data directory released), and the next
 * start resumes the same pass and completes it.
 */
describe('the sandbox account first pass on a new data directory', { timeout: 300_000 }, () => {
  let dataDir: string;
  const started: RunningProcess[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'roster-first-pass-'));
  });

  afterAll(async () => {
    await Promise.all(started.map((gateway) => gateway.stop()));
    await rm(dataDir, { recursive: true, force: true });
  });

  async function start() {
    const port = await freePort();
    const gateway = startProcess(process.execPath, ['--import', 'tsx', 'src/node.ts'], {
      PORT: String(port),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      // Enough pages that the pass is still running when the test looks at it.
      SANDBOX_EMPLOYEES: '2000',
    });
    started.push(gateway);
    await gateway.waitFor(/Ready in \d+ ms/, 120_000);
    const seed = JSON.parse(await readFile(join(dataDir, 'sandbox.json'), 'utf8')) as {
      environment_id: string;
      api_key: string;
      linked_account_id: string;
    };
    const url = `http://127.0.0.1:${port}`;
    const headers = { authorization: `Bearer ${seed.api_key}` };
    const syncStatus = async () =>
      (await (
        await fetch(`${url}/linked-accounts/${seed.linked_account_id}/sync`, { headers })
      ).json()) as SyncStatus;
    return { gateway, url, seed, headers, syncStatus };
  }

  it('serves while the pass runs, stops it on SIGTERM, and the next start completes the same pass', async () => {
    const first = await start();
    // Live reads answer while the copy is being filled.
    const employees = await fetch(`${first.url}/unified/hris/employees?limit=1`, {
      headers: { ...first.headers, 'x-linked-account-id': first.seed.linked_account_id },
    });
    expect(employees.status).toBe(200);
    const running = await until(async () => {
      const status = await first.syncStatus();
      const pass = status.result.running;
      return pass && pass.counts.upstream_pages > 0 ? pass : undefined;
    }, 'the first pass to have written a page');
    expect(running.initial).toBe(true);

    process.kill(first.gateway.child.pid!, 'SIGTERM');
    expect(await first.gateway.exited, first.gateway.output()).toBe(0);
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);

    // Stopped partway: the pass is still running in the database and nobody holds its lease.
    const ref = { environmentId: first.seed.environment_id, linkedAccountId: first.seed.linked_account_id };
    const database = await connectPglite(join(dataDir, 'pglite'));
    try {
      const state = await getSyncState(database.db, ref);
      expect(state?.currentPassId).toBe(running.id);
      expect(state?.leaseOwner).toBeNull();
      expect(state?.lastCompletedAt).toBeNull();
      const pass = await getSyncPass(database.db, { environmentId: ref.environmentId, id: running.id });
      expect(pass?.status).toBe('running');
      expect(pass?.counts.upstream_pages).toBeGreaterThanOrEqual(running.counts.upstream_pages);
    } finally {
      await database.close();
    }

    const second = await start();
    const completed = await until(async () => {
      const status = await second.syncStatus();
      return !status.result.running && status.result.last_pass ? status.result.last_pass : undefined;
    }, 'the resumed pass to complete');
    expect(completed).toMatchObject({ id: running.id, status: 'completed', initial: true });

    // The first pass filled the copy silently: no record events, one completion.
    const events = (await (
      await fetch(`${second.url}/events?limit=200`, { headers: second.headers })
    ).json()) as {
      result: { type: string }[];
    };
    expect(events.result.map((event) => event.type).sort()).toEqual([
      'linked_account.connected',
      'linked_account.sync_completed',
    ]);
    expect(await second.gateway.stop()).toBe(0);
  });
});

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
