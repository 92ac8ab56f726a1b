/**
 * `npx tsx bench/body-reads.ts [--rounds N] [--duration S] [--rate R]`: what reading a proxied answer whole
 * costs, by the way it is read. On one simulator (`GET /v1/company/employees?limit=10`, about 44 kB), in
 * rounds that rotate between them: the bare passthrough (streams the chunks as they come), the same proxy
 * reading the answer whole with undici's `body.arrayBuffer()`, and reading its chunks and joining them
 * (`bare-proxy.ts` with `BENCH_BODY_READ`; the gateway's transport reads the second way). Prints CPU per
 * call of each server process (median of rounds) and its ratio to the bare passthrough's.
 */
import { parseArgs } from 'node:util';
import { benchCredentials } from './lib/credentials';
import { type LoadTarget, runLoad } from './lib/load';
import { type Child, forkChild } from './lib/processes';
import { median } from './lib/stats';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '8' },
    duration: { type: 'string', default: '4' },
    rate: { type: 'string' },
  },
});

const children: Child[] = [];
try {
  const upstream = await forkChild('bench/upstream-server.ts', {
    BENCH_EMPLOYEES: '10000',
    BENCH_CREDENTIALS: '1',
  });
  children.push(upstream);
  const [credential] = benchCredentials(1);
  const variants: [label: string, script: string, read?: string][] = [
    ['bare (streamed)', 'bench/bare-proxy.ts'],
    ['whole: arrayBuffer()', 'bench/bare-proxy.ts', 'array-buffer'],
    ['whole: chunks joined', 'bench/bare-proxy.ts', 'chunks'],
  ];
  const targets: LoadTarget[] = [];
  for (const [label, script, read] of variants) {
    const child = await forkChild(script, {
      BENCH_UPSTREAM: upstream.url,
      BENCH_CLIENT_ID: credential!.clientId,
      BENCH_CLIENT_SECRET: credential!.clientSecret,
      ...(read ? { BENCH_BODY_READ: read } : {}),
    });
    children.push(child);
    targets.push({
      label,
      url: `${child.url}/proxy/company/employees?limit=10`,
      headersFor: () => ({}),
      pid: () => child.pid,
    });
  }
  const load = {
    connections: 10,
    durationSec: Number(values.duration),
    ...(values.rate ? { rate: Number(values.rate) } : {}),
  };
  for (const target of targets) await runLoad(target, { ...load, durationSec: 2 });
  const cpu: number[][] = targets.map(() => []);
  for (let round = 0; round < Number(values.rounds); round++) {
    // Each target starts a round in turn, so drifting background load hits all alike.
    for (let step = 0; step < targets.length; step++) {
      const index = (round + step) % targets.length;
      const result = await runLoad(targets[index]!, load);
      if (result.failed > 0) throw new Error(`${targets[index]!.label}: ${result.failed} failed calls`);
      cpu[index]!.push(result.cpuPerRequestMs);
    }
  }
  const bare = median(cpu[0]!);
  for (const [index, target] of targets.entries()) {
    const value = median(cpu[index]!);
    console.log(
      `${target.label.padEnd(22)} ${value.toFixed(3)} ms CPU per call (${(value / bare).toFixed(2)}× bare) ` +
        `[${cpu[index]!.map((round) => round.toFixed(2)).join(' ')}]`,
    );
  }
} finally {
  for (const child of children.reverse()) await child.stop();
}
