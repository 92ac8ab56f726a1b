/**
 * `npx tsx bench/compare-builds.ts [--old DIR] [--server] [--path P] [--rounds N] [--duration S] [--rate R]
 * [--node-options O] [--env K=V]… [--floor]`: the gateway of this checkout against the one of another checkout
 * (DIR: e.g. `git worktree add` of an earlier commit, with `node_modules` linked and `node DIR/scripts/build.mjs`
 * run), the bare passthrough and, with `--floor`, a minimal Hono proxy (`hono-floor-proxy.ts`), on one
 * simulator, load rounds rotating between them so all see the same machine load. Prints CPU per call of each
 * (median of rounds) and the ratios: a before/after from one run.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { tenantHeaders } from './lib/context';
import { benchCredentials } from './lib/credentials';
import { benchEncryptionKey, benchStorage, launchBenchGateway } from './lib/gateways';
import { type LoadTarget, runLoad } from './lib/load';
import { cpuTimeMs, forkChild, ROOT, startCommand, withNodeFlags } from './lib/processes';
import { median } from './lib/stats';

const { values } = parseArgs({
  options: {
    old: { type: 'string' },
    server: { type: 'boolean', default: false },
    path: { type: 'string', default: '/proxy/company/employees?limit=10' },
    rounds: { type: 'string', default: '6' },
    duration: { type: 'string', default: '4' },
    connections: { type: 'string', default: '10' },
    // A fixed offered load (requests per second): every target then serves the same arrivals.
    rate: { type: 'string' },
    // Also a minimal Hono proxy on the same adapter (`hono-floor-proxy.ts`): what the stack alone costs.
    floor: { type: 'boolean', default: false },
    // Node options for this checkout's gateway only (`--old DIR` may be this checkout: a flag's own effect).
    'node-options': { type: 'string', default: '' },
    // Settings for this checkout's gateway only, repeatable (`--old` this checkout: a setting's own cost).
    env: { type: 'string', multiple: true, default: [] },
  },
});

const afterEnv: Record<string, string> = {};
for (const setting of values.env) {
  const at = setting.indexOf('=');
  if (at < 1) throw new Error(`--env ${setting}: expected NAME=VALUE`);
  afterEnv[setting.slice(0, at)] = setting.slice(at + 1);
}
const oldRoot = values.old ? resolve(values.old) : undefined;

const workDir = await mkdtemp(join(tmpdir(), 'roster-compare-'));
const cleanups: (() => Promise<unknown>)[] = [];
const log = (line: string) => console.log(line);
try {
  const upstream = await forkChild('bench/upstream-server.ts', {
    BENCH_EMPLOYEES: '10000',
    BENCH_CREDENTIALS: '10',
  });
  cleanups.push(() => upstream.stop());
  const [credential] = benchCredentials(1);
  const bare = await forkChild('bench/bare-proxy.ts', {
    BENCH_UPSTREAM: upstream.url,
    BENCH_CLIENT_ID: credential!.clientId,
    BENCH_CLIENT_SECRET: credential!.clientSecret,
  });
  cleanups.push(() => bare.stop());
  const encryptionKey = benchEncryptionKey();
  const shared = await benchStorage(values.server, cleanups);
  const command = await startCommand();
  const launch = async (name: string, root: string): Promise<LoadTarget> => {
    const options = name === 'after' ? values['node-options'] : '';
    const launchCommand = options ? withNodeFlags(command, options) : command;
    const { gateway, tenant } = await launchBenchGateway({
      name,
      workDir,
      command: `cd '${root}' && ${launchCommand}`,
      upstreamUrl: upstream.url,
      shared,
      encryptionKey,
      logFile: join(workDir, `${name}.log`),
      cleanups,
      ...(name === 'after' ? { env: afterEnv } : {}),
    });
    return {
      label: name,
      url: `${gateway.url}${values.path}`,
      headersFor: (connection) => tenantHeaders(tenant, connection),
      pid: () => gateway.serverPid(),
    };
  };
  const targets: LoadTarget[] = [
    ...(oldRoot ? [await launch('before', oldRoot)] : []),
    await launch('after', ROOT),
  ];
  if (values.floor) {
    const floor = await forkChild('bench/hono-floor-proxy.ts', {
      BENCH_UPSTREAM: upstream.url,
      BENCH_CLIENT_ID: credential!.clientId,
      BENCH_CLIENT_SECRET: credential!.clientSecret,
    });
    cleanups.push(() => floor.stop());
    targets.push({
      label: 'floor',
      url: `${floor.url}${values.path}`,
      headersFor: () => ({}),
      pid: () => floor.pid,
    });
  }
  if (values.path.startsWith('/proxy/')) {
    targets.push({
      label: 'bare',
      url: `${bare.url}${values.path}`,
      headersFor: () => ({}),
      pid: () => bare.pid,
    });
  }
  // The gateway started last is still finishing its start (compiling, first queries) while the other idles:
  // measured at once, the later one pays for it in the first rounds. Each waits until it is idle (< 15 ms CPU
  // in a second, at most 90 s).
  for (const target of targets) {
    for (let second = 0; second < 90; second++) {
      const before = cpuTimeMs(target.pid());
      await new Promise((done) => setTimeout(done, 1000));
      if (cpuTimeMs(target.pid()) - before < 15) break;
    }
  }
  // What a gateway spends with nothing to serve (timers, sweeps): a fixed cost that the CPU per call carries.
  const idleSec = 5;
  const idleBefore = targets.map((target) => cpuTimeMs(target.pid()));
  await new Promise((done) => setTimeout(done, idleSec * 1000));
  const idle = targets.map((target, index) => (cpuTimeMs(target.pid()) - idleBefore[index]!) / idleSec);
  const options = {
    connections: Number(values.connections),
    durationSec: Number(values.duration),
    rate: values.rate ? Number(values.rate) : undefined,
  };
  // Warm-up: two rounds each. A gateway's CPU per call keeps falling for a while after its start (its code is
  // optimised as it runs; on a loaded box that takes tens of seconds), the bare proxy's much less.
  for (let round = 0; round < 2; round++) for (const target of targets) await runLoad(target, options);
  const cpu = new Map(targets.map((target) => [target.label, [] as number[]]));
  const rps = new Map(targets.map((target) => [target.label, [] as number[]]));
  for (let round = 0; round < Number(values.rounds); round++) {
    const order = targets.map((_, index) => targets[(index + round) % targets.length]!);
    for (const target of order) {
      const result = await runLoad(target, options);
      if (result.failed) log(`  ${target.label}: ${result.failed} failed`);
      cpu.get(target.label)!.push(result.cpuPerRequestMs);
      rps.get(target.label)!.push(result.rps);
    }
  }
  log(
    `${values.path}, ${shared ? 'PostgreSQL+Redis' : 'embedded'}, ${values.rounds} rounds × ${values.duration} s`,
  );
  for (const [index, target] of targets.entries()) {
    log(`  ${target.label.padEnd(7)} idle: ${idle[index]!.toFixed(1)} ms CPU per s`);
    const values_ = cpu.get(target.label)!;
    log(
      `  ${target.label.padEnd(7)} CPU/req median ${median(values_).toFixed(3)} ms [${values_.map((v) => v.toFixed(2)).join(' ')}], median ${median(rps.get(target.label)!).toFixed(0)} req/s`,
    );
  }
  const m = (label: string) => median(cpu.get(label)!);
  if (cpu.has('before')) log(`  after / before CPU: ${(m('after') / m('before')).toFixed(2)}×`);
  for (const label of cpu.keys()) {
    if (cpu.has('bare') && label !== 'bare') log(`  ${label} / bare: ${(m(label) / m('bare')).toFixed(2)}×`);
  }
} finally {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
  await rm(workDir, { recursive: true, force: true });
}
process.exit(0);
