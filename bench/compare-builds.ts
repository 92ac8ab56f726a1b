/**
 * `npx tsx bench/compare-builds.ts --old DIR [--server] [--path P] [--rounds N] [--duration S]`: the gateway
 * of this checkout against the one of another checkout (DIR: e.g. `git archive` of an earlier commit, with
 * `node_modules` linked and `node DIR/scripts/build.mjs` run) and the bare passthrough, on one simulator,
 * load rounds alternating between the three (rotated each round) so all see the same machine load.
 * Prints CPU per call of each (median of rounds) and the ratios: a before/after from one run.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { tenantHeaders } from './lib/context';
import { benchCredentials } from './lib/credentials';
import { benchEncryptionKey, benchStorage, launchBenchGateway } from './lib/gateways';
import { type LoadTarget, runLoad } from './lib/load';
import { cpuTimeMs, forkChild, ROOT, startCommand } from './lib/processes';
import { median } from './lib/stats';

const { values } = parseArgs({
  options: {
    old: { type: 'string' },
    server: { type: 'boolean', default: false },
    path: { type: 'string', default: '/proxy/company/employees?limit=10' },
    rounds: { type: 'string', default: '6' },
    duration: { type: 'string', default: '4' },
    connections: { type: 'string', default: '10' },
  },
});
if (!values.old) throw new Error('--old DIR: the checkout to compare with');
const oldRoot = resolve(values.old);

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
    const { gateway, tenant } = await launchBenchGateway({
      name,
      workDir,
      command: `cd '${root}' && ${command}`,
      upstreamUrl: upstream.url,
      shared,
      encryptionKey,
      logFile: join(workDir, `${name}.log`),
      cleanups,
    });
    return {
      label: name,
      url: `${gateway.url}${values.path}`,
      headersFor: (connection) => tenantHeaders(tenant, connection),
      pid: () => gateway.serverPid(),
    };
  };
  const targets: LoadTarget[] = [await launch('before', oldRoot), await launch('after', ROOT)];
  if (values.path.startsWith('/proxy/')) {
    targets.push({
      label: 'bare',
      url: `${bare.url}${values.path}`,
      headersFor: () => ({}),
      pid: () => bare.pid,
    });
  }
  // What a gateway spends with nothing to serve (timers, sweeps): a fixed cost that the CPU per call carries.
  const idleSec = 5;
  const idleBefore = targets.map((target) => cpuTimeMs(target.pid()));
  await new Promise((done) => setTimeout(done, idleSec * 1000));
  const idle = targets.map((target, index) => (cpuTimeMs(target.pid()) - idleBefore[index]!) / idleSec);
  const options = { connections: Number(values.connections), durationSec: Number(values.duration) };
  for (const target of targets) await runLoad(target, { ...options, durationSec: 2 });
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
  log(`  after / before CPU: ${(m('after') / m('before')).toFixed(2)}×`);
  if (cpu.has('bare'))
    log(
      `  before / bare: ${(m('before') / m('bare')).toFixed(2)}×, after / bare: ${(m('after') / m('bare')).toFixed(2)}×`,
    );
} finally {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
  await rm(workDir, { recursive: true, force: true });
}
process.exit(0);
