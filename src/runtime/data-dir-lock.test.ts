import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirLockedError, LOCK_FILE, lockDataDir } from './data-dir-lock';

describe('data directory lock', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  /** A lock file left by a process that no longer runs (PID beyond any kernel's pid_max). */
  async function withStaleLock(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'roster-lock-'));
    dirs.push(dir);
    const holder = {
      pid: 99_999_999,
      process_start: '1',
      role: 'gateway',
      started_at: '2026-01-01T00:00:00Z',
      token: 'stale',
    };
    await writeFile(join(dir, LOCK_FILE), `${JSON.stringify(holder)}\n`);
    return dir;
  }

  it('takes over a lock whose process is gone', async () => {
    const dir = await withStaleLock();
    const lock = await lockDataDir(dir, 'gateway');
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('gives a stale lock to exactly one of many starters at once; the others learn who holds it', async () => {
    // The interleaving that loses is timing-dependent, so it is tried many times.
    for (let trial = 0; trial < 60; trial++) {
      const dir = await withStaleLock();
      const results = await Promise.allSettled(Array.from({ length: 8 }, () => lockDataDir(dir, 'gateway')));
      const held = results.filter((result) => result.status === 'fulfilled');
      expect(held, `trial ${trial}`).toHaveLength(1);
      for (const result of results) {
        if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(DataDirLockedError);
      }
      await (held[0] as PromiseFulfilledResult<{ release(): Promise<void> }>).value.release();
    }
  });

  it('takes over past a takeover file that its process left unwritten', async () => {
    const dir = await withStaleLock();
    const takeover = join(dir, `${LOCK_FILE}.takeover`);
    await writeFile(takeover, '');
    const old = new Date(Date.now() - 60_000);
    await utimes(takeover, old, old);
    const lock = await lockDataDir(dir, 'gateway');
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });
});
