import autocannon from 'autocannon';
import { cpuTimeMs } from './processes';
import { median, percentile } from './stats';

export interface LoadTarget {
  label: string;
  url: string;
  /** Headers of the n-th connection (each connection may act for another linked account). */
  headersFor(connection: number): Record<string, string>;
  /** The server process whose CPU time per request is reported. */
  pid(): number;
}

export interface LoadOptions {
  connections: number;
  durationSec: number;
  /** Requests per second over all connections; unset, as many as the target answers. */
  rate?: number | undefined;
}

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  failed: number;
  /** CPU milliseconds the target's server process spent per answered request (less noisy than req/s). */
  cpuPerRequestMs: number;
}

/**
 * One autocannon run. Latencies are taken from its `response` event (fractional milliseconds) rather
 * than its histogram, which keeps whole milliseconds only.
 */
export async function runLoad(target: LoadTarget, options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  let failed = 0;
  let connection = 0;
  const instance = autocannon({
    url: target.url,
    connections: options.connections,
    duration: options.durationSec,
    pipelining: 1,
    ...(options.rate ? { overallRate: options.rate } : {}),
    setupClient: (client: { setHeaders(headers: Record<string, string>): void }) => {
      client.setHeaders(target.headersFor(connection++));
    },
  });
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    else failed++;
  });
  const cpuBefore = cpuTimeMs(target.pid());
  const result = await instance;
  const cpu = cpuTimeMs(target.pid()) - cpuBefore;
  failed += result.errors + result.timeouts;
  return {
    rps: latencies.length / result.duration,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    ok: latencies.length,
    failed,
    cpuPerRequestMs: cpu / Math.max(1, latencies.length + failed),
  };
}

export interface Summary {
  rps: number;
  p50: number;
  p99: number;
  failed: number;
  cpuPerRequestMs: number;
}

function summarise(results: LoadResult[]): Summary {
  return {
    rps: median(results.map((result) => result.rps)),
    p50: median(results.map((result) => result.p50)),
    p99: median(results.map((result) => result.p99)),
    failed: results.reduce((sum, result) => sum + result.failed, 0),
    cpuPerRequestMs: median(results.map((result) => result.cpuPerRequestMs)),
  };
}

export interface Comparison {
  gateway: Summary;
  baseline: Summary;
  /** The third target's summary, when one was given (`reference`). */
  reference?: Summary;
  /** Median of the per-round throughput ratios (rounds are back to back, so they share the noise). */
  ratio: number;
  rounds: { gateway: LoadResult; baseline: LoadResult; reference?: LoadResult }[];
}

type Which = 'gateway' | 'baseline' | 'reference';

/**
 * Side by side on a shared machine: a warm-up of each, then `runs` rounds that rotate which target
 * goes first (ABBA with two targets), so drifting background load hits all alike. Medians over the rounds.
 * `reference`, when given, is a third target measured in every round (figure 1's minimal Hono proxy).
 */
export async function compare(
  gateway: LoadTarget,
  baseline: LoadTarget,
  options: LoadOptions & {
    runs: number;
    warmupSec: number;
    log: (line: string) => void;
    reference?: LoadTarget | undefined;
  },
): Promise<Comparison> {
  const load = { connections: options.connections, durationSec: options.durationSec };
  const targets: Partial<Record<Which, LoadTarget>> = { baseline, gateway };
  if (options.reference) targets.reference = options.reference;
  const names = Object.keys(targets) as Which[];
  if (options.warmupSec > 0) {
    for (const which of names) await runLoad(targets[which]!, { ...load, durationSec: options.warmupSec });
  }
  const rounds: Comparison['rounds'] = [];
  for (let round = 0; round < options.runs; round++) {
    // Two targets: A B, B A, … Three: each starts a round in turn and the other two swap every cycle.
    const shift = round % names.length;
    const rotated = [...names.slice(shift), ...names.slice(0, shift)];
    const order =
      Math.floor(round / names.length) % 2 === 1 && names.length > 2
        ? [rotated[0]!, rotated[2]!, rotated[1]!]
        : rotated;
    const results: Partial<Record<Which, LoadResult>> = {};
    for (const which of order) results[which] = await runLoad(targets[which]!, load);
    const entry: Comparison['rounds'][number] = { gateway: results.gateway!, baseline: results.baseline! };
    if (results.reference) entry.reference = results.reference;
    rounds.push(entry);
    options.log(
      `    round ${round + 1}/${options.runs}: ` +
        names.map((which) => `${targets[which]!.label} ${format(results[which]!)}`).join(' | '),
    );
  }
  const comparison: Comparison = {
    gateway: summarise(rounds.map((round) => round.gateway)),
    baseline: summarise(rounds.map((round) => round.baseline)),
    ratio: median(rounds.map((round) => round.gateway.rps / round.baseline.rps)),
    rounds,
  };
  if (options.reference) comparison.reference = summarise(rounds.map((round) => round.reference!));
  return comparison;
}

function format(result: LoadResult): string {
  const failed = result.failed ? `, ${result.failed} failed` : '';
  return (
    `${Math.round(result.rps)} req/s, p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, ` +
    `${result.cpuPerRequestMs.toFixed(2)} ms CPU/req${failed}`
  );
}
