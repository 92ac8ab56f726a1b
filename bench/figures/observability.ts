import { type FigureContext, MODE_LABEL, tenantHeaders } from '../lib/context';
import { compare, type LoadTarget, type Summary } from '../lib/load';
import type { GatewayProcess } from '../lib/processes';
import { formatNumber, ms, type Row, ratio } from '../lib/table';
import { PROXY_PATH } from './throughput';

/** Request logging and metrics may cost at most 5 % of the proxy's throughput. */
export const OBSERVABILITY_TARGET = 0.95;

/** The settings of the two gateways compared: everything on (logs, metrics) and everything off. */
export const OBSERVABILITY_ON = { REQUEST_LOGS: 'true', METRICS_TOKEN: 'bench-metrics-token-0123456789' };
export const OBSERVABILITY_OFF = { REQUEST_LOGS: 'false' };

function describe(summary: Summary): string {
  return (
    `${formatNumber(summary.rps)} req/s, p50 ${ms(summary.p50)}, p99 ${ms(summary.p99)}, ` +
    `${summary.cpuPerRequestMs.toFixed(3)} ms CPU/req`
  );
}

/**
 * Figure 7: the proxy (figure 1's call) and the unified list (figure 2's) on a gateway with request logs
 * and metrics on, against the same gateway with both off, in alternating rounds of one run. CPU per
 * request is the steadier of the two figures on a shared machine, so it is printed beside the ratio.
 */
export async function observabilityFigures(context: FigureContext, off: GatewayProcess): Promise<Row[]> {
  const { options } = context;
  const rows: Row[] = [];
  for (const [figure, path, target] of [
    ['7 proxy, logs + metrics on vs off', PROXY_PATH, OBSERVABILITY_TARGET],
    ['7 unified list, logs + metrics on vs off', '/unified/hris/employees?limit=100', undefined],
  ] as const) {
    const side = (label: string, gateway: GatewayProcess): LoadTarget => ({
      label,
      url: `${gateway.url}${path}`,
      headersFor: (connection) => tenantHeaders(context.tenant, connection),
      pid: gateway.serverPid,
    });
    context.log(
      `  ${figure}: ${options.runs} rounds of ${options.durationSec} s, ${options.connections} connections`,
    );
    const comparison = await compare(side('on', context.gateway), side('off', off), {
      ...options,
      log: context.log,
    });
    const failed = comparison.gateway.failed + comparison.baseline.failed;
    const cpuRatio = comparison.gateway.cpuPerRequestMs / comparison.baseline.cpuPerRequestMs;
    rows.push({
      figure,
      mode: MODE_LABEL[context.mode],
      gateway: `${describe(comparison.gateway)} (CPU/req ${ratio(cpuRatio)} of off)`,
      baseline: `off: ${describe(comparison.baseline)}`,
      ratio: ratio(comparison.ratio),
      target: target ? `≥ ${target.toFixed(2)}×` : '',
      result: failed > 0 ? 'error' : !target ? 'info' : comparison.ratio >= target ? 'pass' : 'MISS',
    });
  }
  return rows;
}
