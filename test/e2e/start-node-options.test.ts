import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GATEWAY_MALLOC_TUNABLES, GATEWAY_NODE_OPTIONS } from '../../src/runtime/v8-flags';
import { freePort, type RunningProcess, startProcess } from '../support/processes';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * The Node options and malloc settings an embedded gateway needs for its memory (see v8-flags.ts) only hold
 * from the process's start, so `npm start` must pass them, and the process it starts must run with them:
 * fewer threads than the same gateway started without them.
 */
describe('the Node options of `npm start`', { timeout: 240_000 }, () => {
  const dirs: string[] = [];
  const running: RunningProcess[] = [];
  afterAll(async () => {
    await Promise.all(running.map((gateway) => gateway.stop()));
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  async function start(command: string, args: string[]) {
    const dataDir = await mkdtemp(join(tmpdir(), 'roster-node-options-'));
    dirs.push(dataDir);
    const gateway = startProcess(command, args, {
      PORT: String(await freePort()),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      SANDBOX_EMPLOYEES: '20',
    });
    running.push(gateway);
    await gateway.waitFor(/Ready in \d+ ms/, 180_000);
    // The gateway holds the data directory's lock: its PID is the process npm's script started (exec).
    const { pid } = JSON.parse(await readFile(join(dataDir, 'roster.lock'), 'utf8')) as { pid: number };
    const commandLine = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    const threads = Number(/Threads:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))![1]);
    const environment = (await readFile(`/proc/${pid}/environ`, 'utf8')).split('\0');
    return { commandLine, threads, environment };
  }

  it('are in the start script and reach the gateway process, which runs with fewer threads', async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: { start: string };
    };
    for (const option of GATEWAY_NODE_OPTIONS) expect(pkg.scripts.start.split(/\s+/)).toContain(option);

    const withOptions = await start('npm', ['start', '--silent']);
    for (const option of GATEWAY_NODE_OPTIONS) expect(withOptions.commandLine).toContain(option);
    // The same gateway without them: V8 starts its default pool of four worker threads.
    const without = await start(process.execPath, ['scripts/start.mjs']);
    expect(without.commandLine.filter((arg) => arg.startsWith('--v8-pool-size'))).toEqual([]);
    expect(withOptions.threads).toBeLessThan(without.threads);
    // glibc reads its malloc settings from the environment the process starts with.
    expect(withOptions.environment).toContain(`GLIBC_TUNABLES=${GATEWAY_MALLOC_TUNABLES}`);
    expect(without.environment.some((entry) => entry.startsWith('GLIBC_TUNABLES='))).toBe(false);
  });
});
