/**
 * Start-up of two checkouts side by side, interleaved (so both see the same load): for each round and each
 * checkout, a start on a new DATA_DIR, then a restart on it, by the command `npm start` runs
 * (`node scripts/start.mjs`, embedded defaults). Per start: wall time and the process's CPU (user + system)
 * until the first 200 of `GET /unified/hris/employees?limit=1` with the sandbox key, when the sandbox's first
 * pass completed, and once idle (< 20 ms CPU in a second) its RSS and `process.memoryUsage()`.
 *   npx tsx bench/startup-side-by-side.ts [--rounds 3] CHECKOUT_A CHECKOUT_B
 * Each checkout needs its node_modules and its build (`node scripts/build.mjs`). Linux only (/proc).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { freePort } from '../test/support/processes';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: 'string', default: '3' } },
});
if (positionals.length !== 2) {
  console.error('usage: npx tsx bench/startup-side-by-side.ts [--rounds N] CHECKOUT_A CHECKOUT_B');
  process.exit(2);
}
const checkouts = positionals.map((path) => resolve(path));

/** Clock ticks per second of /proc/<pid>/stat's times. */
const USER_HZ = 100;
const cpuMs = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
};
const rssMb = (pid: number) =>
  Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024);

// Preloaded into the gateway: writes process.memoryUsage() on SIGUSR2.
const work = await mkdtemp(join(tmpdir(), 'roster-startup-ab-'));
const preload = join(work, 'memory-usage.mjs');
writeFileSync(
  preload,
  `import { writeFileSync } from 'node:fs';
process.on('SIGUSR2', () => writeFileSync(${JSON.stringify(join(work, 'memory-'))} + process.pid + '.json', JSON.stringify(process.memoryUsage())));
`,
);

async function measure(root: string, dataDir: string) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, ['scripts/start.mjs'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      NODE_OPTIONS: `--import ${preload}`,
    },
    stdio: 'ignore',
  });
  const pid = child.pid!;
  try {
    let seed: { api_key: string; linked_account_id: string } | undefined;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${root}: the gateway exited (${child.exitCode})`);
      if (!seed && existsSync(join(dataDir, 'sandbox.json'))) {
        try {
          seed = JSON.parse(readFileSync(join(dataDir, 'sandbox.json'), 'utf8'));
        } catch {
          // being written
        }
      }
      if (seed) {
        const ok = await fetch(`${base}/unified/hris/employees?limit=1`, {
          headers: { authorization: `Bearer ${seed.api_key}`, 'x-linked-account-id': seed.linked_account_id },
        }).then(
          async (response) => {
            await response.arrayBuffer();
            return response.status === 200;
          },
          () => false,
        );
        if (ok) break;
      }
      await sleep(10);
    }
    const first = { wallMs: Math.round(performance.now() - started), cpuMs: cpuMs(pid) };
    for (;;) {
      const status = (await (
        await fetch(`${base}/linked-accounts/${seed!.linked_account_id}/sync`, {
          headers: { authorization: `Bearer ${seed!.api_key}` },
        })
      ).json()) as { result: { running: unknown; last_pass: { status: string } | null } };
      if (!status.result.running && status.result.last_pass?.status === 'completed') break;
      await sleep(100);
    }
    const passDone = { wallMs: Math.round(performance.now() - started), cpuMs: cpuMs(pid) };
    let last = cpuMs(pid);
    for (let second = 0; second < 120; second++) {
      await sleep(1000);
      const now = cpuMs(pid);
      if (now - last < 20) break;
      last = now;
    }
    child.kill('SIGUSR2');
    const file = join(work, `memory-${pid}.json`);
    for (let attempt = 0; attempt < 100 && !existsSync(file); attempt++) await sleep(50);
    const usage = JSON.parse(readFileSync(file, 'utf8')) as NodeJS.MemoryUsage;
    const mb = (bytes: number) => Math.round(bytes / 1048576);
    const idle = {
      rssMb: rssMb(pid),
      heapUsedMb: mb(usage.heapUsed),
      heapTotalMb: mb(usage.heapTotal),
      externalMb: mb(usage.external),
    };
    return { first, passDone, idle };
  } finally {
    const exited = new Promise((done) => child.once('exit', done));
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  }
}

try {
  for (let round = 1; round <= Number(values.rounds); round++) {
    for (const root of checkouts) {
      const dataDir = await mkdtemp(join(work, 'data-'));
      for (const kind of ['first start', 'restart']) {
        const load = loadavg()[0]!.toFixed(1);
        console.log(JSON.stringify({ round, checkout: root, kind, load, ...(await measure(root, dataDir)) }));
      }
      await rm(dataDir, { recursive: true, force: true });
    }
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
