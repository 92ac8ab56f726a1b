import { Agent, request } from 'undici';
import { type FigureContext, MODE_LABEL, tenantHeaders, type UpstreamStats } from '../lib/context';
import type { GatewayProcess } from '../lib/processes';
import { formatNumber, type Row, seconds } from '../lib/table';

export const FIRST_REQUESTS = 1000;

/**
 * Figure 4: 1,000 concurrent first requests (each on its own connection) spread over the linked
 * accounts, against gateways whose token cache is empty; counts Personio token exchanges. With
 * PostgreSQL + Redis the requests alternate between two gateway processes sharing Redis.
 */
export async function tokensFigure(context: FigureContext, gateways: GatewayProcess[]): Promise<Row> {
  const { upstream, tenant } = context;
  const accounts = tenant.linkedAccountIds.length;
  await upstream.call({ type: 'resetStats' });
  const dispatcher = new Agent({ connections: null, pipelining: 1, connectTimeout: 30_000 });
  const started = performance.now();
  const statuses = await Promise.all(
    Array.from({ length: FIRST_REQUESTS }, async (_, index) => {
      const gateway = gateways[index % gateways.length]!;
      try {
        const response = await request(`${gateway.url}/unified/hris/employees?limit=1`, {
          headers: tenantHeaders(tenant, index),
          dispatcher,
        });
        await response.body.dump();
        return response.statusCode;
      } catch {
        return 0;
      }
    }),
  );
  const wallMs = performance.now() - started;
  await dispatcher.close();
  const stats = await upstream.call<UpstreamStats>({ type: 'stats' });
  const ok = statuses.filter((status) => status === 200).length;
  const processes = gateways.length === 1 ? '1 process' : `${gateways.length} processes sharing Redis`;
  context.log(
    `    ${ok}/${FIRST_REQUESTS} answered 200 in ${seconds(wallMs)}; ${stats.authCalls} token exchanges (${processes})`,
  );
  return {
    figure: `4 token exchanges, ${formatNumber(FIRST_REQUESTS)} first requests`,
    mode: `${MODE_LABEL[context.mode]}, ${processes}`,
    gateway: `${stats.authCalls} exchanges; ${ok}/${formatNumber(FIRST_REQUESTS)} answered 200 in ${seconds(wallMs)}`,
    baseline: `${accounts} linked accounts`,
    ratio: `${stats.authCalls}/${accounts}`,
    target: `= ${accounts}`,
    result: ok !== FIRST_REQUESTS ? 'error' : stats.authCalls === accounts ? 'pass' : 'MISS',
  };
}
