import { type FigureContext, MODE_LABEL, tenantHeaders } from '../lib/context';
import { type Comparison, compare, type LoadTarget, type Summary } from '../lib/load';
import type { Child } from '../lib/processes';
import { median } from '../lib/stats';
import { formatNumber, ms, type Row, ratio } from '../lib/table';

/** A small, typical Personio read through `/proxy`: ten employees, about 30 kB of JSON. */
export const PROXY_PATH = '/proxy/company/employees?limit=10';
export const PROXY_TARGET = 0.85;
/** The gateway's CPU per proxied call, at most this multiple of the bare passthrough's (issue 18). */
export const PROXY_CPU_TARGET = 1.3;
export const LIST_TARGET = 0.6;

function describe(summary: Summary): string {
  return (
    `${formatNumber(summary.rps)} req/s, p50 ${ms(summary.p50)}, p99 ${ms(summary.p99)}, ` +
    `${summary.cpuPerRequestMs.toFixed(2)} ms CPU/req`
  );
}

async function throughputRow(
  context: FigureContext,
  figure: string,
  gateway: LoadTarget,
  baseline: LoadTarget,
  target: number,
  info = false,
  reference?: LoadTarget,
): Promise<{ row: Row; comparison: Comparison }> {
  const { options } = context;
  context.log(
    `  ${figure}: ${options.runs} rounds of ${options.durationSec} s, ${options.connections} connections`,
  );
  const comparison = await compare(gateway, baseline, { ...options, log: context.log, reference });
  // Any non-2xx answer or transport error voids the comparison rather than flattering either side.
  const failed = comparison.gateway.failed + comparison.baseline.failed + (comparison.reference?.failed ?? 0);
  const row: Row = {
    figure,
    mode: MODE_LABEL[context.mode],
    gateway: describe(comparison.gateway) + (failed > 0 ? ` (${failed} non-2xx or errors)` : ''),
    baseline: `${baseline.label}: ${describe(comparison.baseline)}`,
    ratio: ratio(comparison.ratio),
    target: `≥ ${target.toFixed(2)}×`,
    result: failed > 0 ? 'error' : info ? 'info' : comparison.ratio >= target ? 'pass' : 'MISS',
  };
  return { row, comparison };
}

/**
 * Figure 1: `/proxy/*` against a bare undici passthrough to the same simulator route (throughput), and
 * its CPU per call against the bare passthrough and a minimal Hono proxy measured in the same rounds.
 */
export async function proxyFigure(context: FigureContext, bare: Child, floor: Child): Promise<Row[]> {
  const { row, comparison } = await throughputRow(
    context,
    '1 proxy throughput',
    {
      label: 'gateway',
      url: `${context.gateway.url}${PROXY_PATH}`,
      headersFor: (connection) => tenantHeaders(context.tenant, connection),
      pid: context.gateway.serverPid,
    },
    { label: 'bare proxy', url: `${bare.url}${PROXY_PATH}`, headersFor: () => ({}), pid: () => bare.pid },
    PROXY_TARGET,
    false,
    { label: 'Hono floor', url: `${floor.url}${PROXY_PATH}`, headersFor: () => ({}), pid: () => floor.pid },
  );
  return [row, proxyCpuRow(context, comparison, row.result === 'error')];
}

/**
 * The gateway's CPU per proxied call against the bare passthrough's (median of the per-round ratios), with
 * the minimal Hono proxy's beside it: what the stack alone costs, so the rest is the gateway's own work.
 */
function proxyCpuRow(context: FigureContext, comparison: Comparison, failed: boolean): Row {
  const perRound = (pick: (round: Comparison['rounds'][number]) => number) =>
    median(comparison.rounds.map((round) => pick(round) / round.baseline.cpuPerRequestMs));
  const gatewayRatio = perRound((round) => round.gateway.cpuPerRequestMs);
  const floorRatio = perRound((round) => round.reference!.cpuPerRequestMs);
  return {
    figure: '1 proxy CPU per call',
    mode: MODE_LABEL[context.mode],
    gateway: `${comparison.gateway.cpuPerRequestMs.toFixed(3)} ms`,
    baseline:
      `bare proxy ${comparison.baseline.cpuPerRequestMs.toFixed(3)} ms; ` +
      `Hono floor ${comparison.reference!.cpuPerRequestMs.toFixed(3)} ms (${ratio(floorRatio)})`,
    ratio: ratio(gatewayRatio),
    target: `≤ ${PROXY_CPU_TARGET.toFixed(2)}×`,
    result: failed ? 'error' : gatewayRatio <= PROXY_CPU_TARGET ? 'pass' : 'MISS',
  };
}

/**
 * Figure 2: `/unified/hris/employees?limit=100` against the simulator's own page of 100. With
 * `afterBurst`, an information row: the same on the gateway that has just served figure 4's burst.
 */
export function listFigure(
  context: FigureContext,
  upstreamTokens: string[],
  afterBurst = false,
): Promise<Row> {
  return throughputRow(
    context,
    afterBurst ? '2 unified list, after the 1,000-connection burst' : '2 unified list, limit=100',
    {
      label: 'gateway',
      url: `${context.gateway.url}/unified/hris/employees?limit=100`,
      headersFor: (connection) => tenantHeaders(context.tenant, connection),
      pid: context.gateway.serverPid,
    },
    {
      label: 'direct',
      pid: () => context.upstream.pid,
      url: `${context.upstream.url}/v1/company/employees?limit=100`,
      headersFor: (connection) => ({
        authorization: `Bearer ${upstreamTokens[connection % upstreamTokens.length]}`,
      }),
    },
    LIST_TARGET,
    afterBurst,
  ).then(({ row }) => row);
}
