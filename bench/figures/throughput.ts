import { type FigureContext, MODE_LABEL, tenantHeaders } from '../lib/context';
import { compare, type LoadTarget, type Summary } from '../lib/load';
import type { Child } from '../lib/processes';
import { formatNumber, ms, type Row, ratio } from '../lib/table';

/** A small, typical Personio read through `/proxy`: ten employees, about 30 kB of JSON. */
export const PROXY_PATH = '/proxy/company/employees?limit=10';
export const PROXY_TARGET = 0.85;
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
): Promise<Row> {
  const { options } = context;
  context.log(
    `  ${figure}: ${options.runs} rounds of ${options.durationSec} s, ${options.connections} connections`,
  );
  const comparison = await compare(gateway, baseline, { ...options, log: context.log });
  // Any non-2xx answer or transport error voids the comparison rather than flattering either side.
  const failed = comparison.gateway.failed + comparison.baseline.failed;
  return {
    figure,
    mode: MODE_LABEL[context.mode],
    gateway: describe(comparison.gateway) + (failed > 0 ? ` (${failed} non-2xx or errors)` : ''),
    baseline: `${baseline.label}: ${describe(comparison.baseline)}`,
    ratio: ratio(comparison.ratio),
    target: `≥ ${target.toFixed(2)}×`,
    result: failed > 0 ? 'error' : info ? 'info' : comparison.ratio >= target ? 'pass' : 'MISS',
  };
}

/** Figure 1: `/proxy/*` against a bare undici passthrough to the same simulator route. */
export function proxyFigure(context: FigureContext, bare: Child): Promise<Row> {
  return throughputRow(
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
  );
}

/** Figure 2: the unified list (limit=100) against the simulator's own employees endpoint. */
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
  );
}
