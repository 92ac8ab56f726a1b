import { mkdtemp, readFile, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startProcess } from '../support/processes';

const ROOT = resolve(import.meta.dirname, '../..');
const BUILT = join(ROOT, 'dist/node/node.mjs');
const LOCK_FILE = 'roster.lock';

/** `npm start` runs the precompiled build, made again when a source file is newer, never tsx at every start. */
describe('npm start from the precompiled build', { timeout: 180_000 }, () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'roster-start-build-'));
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
    await gateway.waitFor(/Ready in \d+ ms/, 120_000);
    const holder = JSON.parse(await readFile(join(dataDir, LOCK_FILE), 'utf8')) as { pid: number };
    const commandLine = (await readFile(`/proc/${holder.pid}/cmdline`, 'utf8')).split('\0').join(' ');
    return { gateway, commandLine };
  }

  it('rebuilds after a source changed, then starts from the build without rebuilding', async () => {
    // A source file newer than the build, as after a `git pull`.
    const touched = new Date();
    await utimes(join(ROOT, 'src/node.ts'), touched, touched);

    const first = await start();
    try {
      expect(first.gateway.output()).toMatch(/built the gateway in \d+ ms/);
      expect((await stat(BUILT)).mtimeMs).toBeGreaterThanOrEqual(touched.getTime() - 1000);
      // The gateway is the process npm started (exec), running the build's loader, not tsx.
      expect(first.commandLine).toContain('scripts/start.mjs');
      expect(first.commandLine).not.toContain('tsx');
    } finally {
      await first.gateway.stop();
    }

    const builtAt = (await stat(BUILT)).mtimeMs;
    const second = await start();
    try {
      expect(second.gateway.output()).not.toMatch(/built the gateway/);
      expect((await stat(BUILT)).mtimeMs).toBe(builtAt);
    } finally {
      await second.gateway.stop();
    }
  });
});
