/**
 * `npx tsx bench/burst-probe.ts [--server] [--gateway-flags "…"] [--burst N] [--rounds N]`: why the list is
 * slower after a burst. Two gateways on the same simulator and database; one serves a burst of N
 * concurrent first requests (each on its own connection, an empty token cache: figure 4), the other none.
 * Then list rounds alternate between them (ABBA), so both see the same machine load; prints CPU per call
 * of each, the ratio, `--trace-gc` counts per gateway, and each heap after a full GC
 * (`bench/lib/heap-probe.mjs`, SIGUSR2) before and after the burst.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { tenantHeaders } from './lib/context';
import { benchEncryptionKey, benchStorage, launchBenchGateway } from './lib/gateways';
import { runLoad } from './lib/load';
import { forkChild, type GatewayProcess, ROOT, startCommand, withNodeFlags } from './lib/processes';
import { median } from './lib/stats';
import type { BenchTenant } from './lib/tenants';

const { values } = parseArgs({
  options: {
    server: { type: 'boolean', default: false },
    burst: { type: 'string', default: '1000' },
    'burst-path': { type: 'string', default: '/unified/hris/employees?limit=1' },
    path: { type: 'string', default: '/unified/hris/employees?limit=100' },
    rounds: { type: 'string', default: '4' },
    duration: { type: 'string', default: '4' },
    'gateway-flags': { type: 'string', default: '' },
    /** Lines of the gateways' output to count and show (e.g. `tenure` with `--gateway-flags=--trace-pretenuring`). */
    grep: { type: 'string' },
  },
});

const workDir = await mkdtemp(join(tmpdir(), 'roster-burst-'));
const cleanups: (() => Promise<unknown>)[] = [];
const log = (line: string) => console.log(line);
try {
  const upstream = await forkChild('bench/upstream-server.ts', {
    BENCH_EMPLOYEES: '10000',
    BENCH_CREDENTIALS: '10',
  });
  cleanups.push(() => upstream.stop());
  const encryptionKey = benchEncryptionKey();
  const shared = await benchStorage(values.server, cleanups);
  const command = await startCommand();
  // V8 flags such as --trace-gc are refused in NODE_OPTIONS: they go on the start command's node.
  const flags = `--expose-gc --trace-gc --import ${resolve(ROOT, 'bench/lib/heap-probe.mjs')} ${values['gateway-flags']}`;
  const launch = async (
    name: string,
  ): Promise<{ gateway: GatewayProcess; tenant: BenchTenant; logFile: string }> => {
    const logFile = join(workDir, `${name}.log`);
    const { gateway, tenant } = await launchBenchGateway({
      name,
      workDir,
      command: withNodeFlags(command, flags.trim()),
      upstreamUrl: upstream.url,
      shared,
      encryptionKey,
      logFile,
      cleanups,
    });
    return { gateway, tenant, logFile };
  };
  const fresh = await launch('fresh');
  const burst = await launch('burst');

  const offsets = new Map<string, number>();
  const newLog = async (file: string) => {
    const text = await readFile(file, 'utf8');
    const slice = text.slice(offsets.get(file) ?? 0);
    offsets.set(file, text.length);
    return slice;
  };
  const heap = async (label: string, target: { gateway: GatewayProcess; logFile: string }) => {
    await newLog(target.logFile);
    process.kill(target.gateway.serverPid(), 'SIGUSR2');
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      await new Promise((done) => setTimeout(done, 50));
      const found = (await readFile(target.logFile, 'utf8'))
        .slice(offsets.get(target.logFile))
        .match(/PROBE (.*)\n/);
      if (found) return log(`  heap ${label}: ${found[1]}`);
    }
    log(`  heap ${label}: no answer`);
  };
  const gcOf = (text: string) => {
    const scavenges = (text.match(/: Scavenge/g) ?? []).length;
    const marks = (text.match(/: Mark-Compact/g) ?? []).length;
    return { scavenges, marks };
  };

  log(`${shared ? 'PostgreSQL+Redis' : 'embedded'}: two gateways; a burst of ${values.burst} on one`);
  await heap('fresh, before', fresh);
  await heap('burst, before', burst);
  const dispatcher = new Agent({ connections: null, pipelining: 1, connectTimeout: 30_000 });
  const statuses = await Promise.all(
    Array.from({ length: Number(values.burst) }, async (_, index) => {
      try {
        const response = await request(`${burst.gateway.url}${values['burst-path']}`, {
          headers: tenantHeaders(burst.tenant, index),
          dispatcher,
        });
        await response.body.dump();
        return response.statusCode;
      } catch {
        return 0;
      }
    }),
  );
  await dispatcher.close();
  const counts: Record<number, number> = {};
  for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
  log(`  burst: ${JSON.stringify(counts)}`);
  await heap('burst, after the burst', burst);

  const targetOf = (side: typeof fresh, label: string) => ({
    label,
    url: `${side.gateway.url}${values.path}`,
    headersFor: (connection: number) => tenantHeaders(side.tenant, connection),
    pid: () => side.gateway.serverPid(),
  });
  const sides = [
    { name: 'fresh', side: fresh, cpu: [] as number[], rps: [] as number[], gc: { scavenges: 0, marks: 0 } },
    {
      name: 'after burst',
      side: burst,
      cpu: [] as number[],
      rps: [] as number[],
      gc: { scavenges: 0, marks: 0 },
    },
  ];
  for (const entry of sides)
    await runLoad(targetOf(entry.side, entry.name), { connections: 10, durationSec: 2 });
  for (let round = 0; round < Number(values.rounds); round++) {
    const order = round % 2 === 0 ? sides : [...sides].reverse();
    for (const entry of order) {
      await newLog(entry.side.logFile);
      const result = await runLoad(targetOf(entry.side, entry.name), {
        connections: 10,
        durationSec: Number(values.duration),
      });
      const gc = gcOf(await newLog(entry.side.logFile));
      entry.gc.scavenges += gc.scavenges / result.ok;
      entry.gc.marks += gc.marks / result.ok;
      entry.cpu.push(result.cpuPerRequestMs);
      entry.rps.push(result.rps);
    }
  }
  for (const entry of sides) {
    const rounds = Number(values.rounds);
    log(
      `  ${entry.name}: CPU/req ${entry.cpu.map((cpu) => cpu.toFixed(2)).join(', ')} ms (median ${median(entry.cpu).toFixed(2)}), ` +
        `median ${median(entry.rps).toFixed(0)} req/s; per 100 calls ${((100 * entry.gc.scavenges) / rounds).toFixed(1)} scavenges, ` +
        `${((100 * entry.gc.marks) / rounds).toFixed(2)} mark-compacts`,
    );
  }
  log(`  CPU/req after the burst / fresh: ${(median(sides[1]!.cpu) / median(sides[0]!.cpu)).toFixed(2)}×`);
  if (values.grep) {
    const pattern = new RegExp(values.grep, 'i');
    for (const [name, side] of [
      ['fresh', fresh],
      ['after burst', burst],
    ] as const) {
      const lines = (await readFile(side.logFile, 'utf8')).split('\n').filter((line) => pattern.test(line));
      log(`  ${name}: ${lines.length} lines match /${values.grep}/i`);
      for (const line of lines.slice(0, 8)) log(`    ${line.slice(0, 200)}`);
    }
  }
  await heap('fresh, end', fresh);
  await heap('burst, end', burst);
} finally {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
  await rm(workDir, { recursive: true, force: true });
}
process.exit(0);
