import { Agent, request } from 'undici';
import type { BenchOptions } from './options';
import type { Child, GatewayProcess } from './processes';
import type { BenchTenant } from './tenants';

export type Mode = 'server' | 'embedded';

export const MODE_LABEL: Record<Mode, string> = {
  server: 'PostgreSQL+Redis',
  embedded: 'embedded',
};

/** What a figure needs: a running gateway of one mode, its tenant, and the simulator it talks to. */
export interface FigureContext {
  mode: Mode;
  gateway: GatewayProcess;
  tenant: BenchTenant;
  upstream: Child;
  options: BenchOptions;
  log(line: string): void;
}

export function tenantHeaders(tenant: BenchTenant, account: number): Record<string, string> {
  return {
    authorization: `Bearer ${tenant.apiKey}`,
    'x-linked-account-id': tenant.linkedAccountIds[account % tenant.linkedAccountIds.length]!,
  };
}

/** Keep-alive client for the sequential crawls, like an integration's HTTP client. */
export const keepAlive = new Agent({ connections: 8, pipelining: 1 });

export async function getJson<Body>(
  url: string,
  headers: Record<string, string>,
  dispatcher: Agent = keepAlive,
): Promise<{ status: number; body: Body }> {
  const response = await request(url, { headers, dispatcher });
  const body = (await response.body.json()) as Body;
  return { status: response.statusCode, body };
}

export interface UpstreamStats {
  authCalls: number;
  requests: number;
  byRoute: Record<string, number>;
  byStatus: Record<string, number>;
}

export const EMPLOYEES_ROUTE = 'GET /v1/company/employees';

export async function upstreamToken(upstreamUrl: string, clientId: string, clientSecret: string) {
  const response = await request(`${upstreamUrl}/v1/auth`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: clientId, client_secret: clientSecret }),
  });
  const body = (await response.body.json()) as { data: { token: string } };
  return body.data.token;
}
