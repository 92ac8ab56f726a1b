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
  /** Median of the per-round throughput ratios (rounds are back to back, so they share the noise). */
  ratio: number;
  rounds: { gateway: LoadResult; baseline: LoadResult }[];
}

/**
 * Side by side on a shared machine: a warm-up of each, then `runs` rounds that alternate which target
 * goes first (ABBA), so drifting background load hits both alike. Medians over the rounds.
 */
export async function compare(
  gateway: LoadTarget,
  baseline: LoadTarget,
  options: LoadOptions & { runs: number; warmupSec: number; log: (line: string) => void },
): Promise<Comparison> {
  const load = { connections: options.connections, durationSec: options.durationSec };
  if (options.warmupSec > 0) {
    await runLoad(baseline, { ...load, durationSec: options.warmupSec });
    await runLoad(gateway, { ...load, durationSec: options.warmupSec });
  }
  const rounds: Comparison['rounds'] = [];
  for (let round = 0; round < options.runs; round++) {
    const order = round % 2 === 0 ? (['baseline', 'gateway'] as const) : (['gateway', 'baseline'] as const);
    const results: Partial<Record<'gateway' | 'baseline', LoadResult>> = {};
    for (const which of order) results[which] = await runLoad(which === 'gateway' ? gateway : baseline, load);
    const pair = { gateway: results.gateway!, baseline: results.baseline! };
    rounds.push(pair);
    options.log(
      `    round ${round + 1}/${options.runs}: ${gateway.label} ${format(pair.gateway)} | ${baseline.label} ${format(pair.baseline)}`,
    );
  }
  return {
    gateway: summarise(rounds.map((round) => round.gateway)),
    baseline: summarise(rounds.map((round) => round.baseline)),
    ratio: median(rounds.map((round) => round.gateway.rps / round.baseline.rps)),
    rounds,
  };
}

function format(result: LoadResult): string {
  const failed = result.failed ? `, ${result.failed} failed` : '';
  return (
    `${Math.round(result.rps)} req/s, p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, ` +
    `${result.cpuPerRequestMs.toFixed(2)} ms CPU/req${failed}`
  );
}
