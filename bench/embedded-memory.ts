/**
 * Where an embedded gateway's resident memory goes: starts CHECKOUT by the command `npm start` runs (embedded
 * defaults, sandbox on, a new DATA_DIR), waits for the sandbox's first pass and for the process to idle, then
 * prints `process.memoryUsage()`, VmRSS and the resident part of PGlite's WASM memory (the anonymous mapping
 * of ≥ 128 MiB: PGlite's initial size), idle and again after a list of every sandbox employee.
 *   npx tsx bench/embedded-memory.ts [--rounds 3] [--restart] [--node-options '...'] [--env K=V ...] [CHECKOUT]
 * Linux only (/proc).
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
  options: {
    rounds: { type: 'string', default: '3' },
    restart: { type: 'boolean', default: false },
    'node-options': { type: 'string', default: '' },
    env: { type: 'string', multiple: true, default: [] },
  },
});
const root = resolve(positionals[0] ?? '.');
/** What `npm start` runs in CHECKOUT (its package.json), with any options it passes to node. */
const command = (
  JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }
).scripts.start;

const USER_HZ = 100;
const cpuMs = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
};
const mb = (bytes: number) => Math.round(bytes / 1048576);

/** VmRSS, and the resident kB of anonymous mappings of ≥ 128 MiB (PGlite's WASM memory starts at 128 MiB). */
function residentSplit(pid: number) {
  const smaps = readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n');
  let wasmKb = 0;
  let currentSizeKb = 0;
  let anonymous = false;
  for (const line of smaps) {
    const header = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      currentSizeKb = Number((BigInt(`0x${header[2]}`) - BigInt(`0x${header[1]}`)) / 1024n);
      anonymous = header[3] === '';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss && anonymous && currentSizeKb >= 128 * 1024) wasmKb += Number(rss[1]);
  }
  const vmRss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  return { rssMb: Math.round(vmRss / 1024), wasmResidentMb: Math.round(wasmKb / 1024) };
}

const work = await mkdtemp(join(tmpdir(), 'roster-embedded-memory-'));
const preload = join(work, 'memory-usage.mjs');
writeFileSync(
  preload,
  `import { writeFileSync } from 'node:fs';
process.on('SIGUSR2', () => writeFileSync(${JSON.stringify(join(work, 'memory-'))} + process.pid + '.json', JSON.stringify(process.memoryUsage())));
`,
);

async function snapshot(child: ChildProcess) {
  const pid = child.pid!;
  const file = join(work, `memory-${pid}.json`);
  await rm(file, { force: true });
  child.kill('SIGUSR2');
  for (let attempt = 0; attempt < 200 && !existsSync(file); attempt++) await sleep(50);
  const usage = JSON.parse(readFileSync(file, 'utf8')) as NodeJS.MemoryUsage;
  return {
    ...residentSplit(pid),
    heapUsedMb: mb(usage.heapUsed),
    heapTotalMb: mb(usage.heapTotal),
    externalMb: mb(usage.external),
    arrayBuffersMb: mb(usage.arrayBuffers),
  };
}

async function idle(pid: number) {
  let last = cpuMs(pid);
  for (let second = 0; second < 120; second++) {
    await sleep(1000);
    const now = cpuMs(pid);
    if (now - last < 20) return;
    last = now;
  }
}

async function measure(dataDir: string) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // `exec` in the script: the shell's PID becomes the gateway's.
  const child: ChildProcess = spawn('/bin/sh', ['-c', command], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      NODE_OPTIONS: `--import ${preload} ${values['node-options']}`,
      ...Object.fromEntries(values.env.map((pair) => pair.split(/=(.*)/s).slice(0, 2))),
    },
    stdio: 'ignore',
  });
  const pid = child.pid!;
  try {
    let seed: { api_key: string; linked_account_id: string } | undefined;
    const deadline = Date.now() + 300_000;
    while (!seed) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error('the gateway did not start');
      try {
        seed = JSON.parse(readFileSync(join(dataDir, 'sandbox.json'), 'utf8'));
      } catch {
        await sleep(50);
      }
    }
    const headers = {
      authorization: `Bearer ${seed.api_key}`,
      'x-linked-account-id': seed.linked_account_id,
    };
    for (;;) {
      if (Date.now() > deadline) throw new Error('the sandbox pass did not complete');
      const status = await fetch(`${base}/linked-accounts/${seed.linked_account_id}/sync`, { headers }).then(
        async (response) =>
          response.ok
            ? ((await response.json()) as {
                result: { running: unknown; last_pass: { status: string } | null };
              })
            : undefined,
        () => undefined,
      );
      if (status && !status.result.running && status.result.last_pass?.status === 'completed') break;
      await sleep(100);
    }
    await idle(pid);
    const idleUsage = await snapshot(child);
    let cursor: string | null = null;
    let employees = 0;
    do {
      const url = `${base}/unified/hris/employees?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = (await (await fetch(url, { headers })).json()) as {
        result: unknown[];
        next_cursor: string | null;
      };
      employees += page.result.length;
      cursor = page.next_cursor;
    } while (cursor);
    await idle(pid);
    const afterList = await snapshot(child);
    return { idle: idleUsage, afterList: { employees, ...afterList } };
  } finally {
    const exited = new Promise((done) => child.once('exit', done));
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  }
}

try {
  for (let round = 1; round <= Number(values.rounds); round++) {
    const dataDir = await mkdtemp(join(work, 'data-'));
    for (const kind of values.restart ? ['first start', 'restart'] : ['first start']) {
      const load = loadavg()[0]!.toFixed(1);
      console.log(JSON.stringify({ round, kind, load, ...(await measure(dataDir)) }));
    }
    await rm(dataDir, { recursive: true, force: true });
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
