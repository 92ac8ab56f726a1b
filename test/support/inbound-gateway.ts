import { expect } from 'vitest';
import { getInboundWebhook } from '../../src/db/queries/inbound-webhooks';
import { SANDBOX_BASE_URL } from '../../src/runtime/node-runtime';
import type { PersonioSandbox } from '../../src/sandbox/personio';
import type { Storage, Tenant } from './gateway';
import { type HttpGateway, serveGateway } from './http-gateway';
import { UNPACED } from './timeoff';
import { waitFor } from './wait';

/** A gateway "process" on a real loopback port (its PUBLIC_URL), so the simulator can deliver webhooks to it. */
export type ServedGateway = HttpGateway;

/** Serves `personio-sandbox` accounts from `sandbox` on 127.0.0.1:`port`; `upstream` may stand between them. */
export function serveInboundGateway(
  storage: Storage,
  sandbox: PersonioSandbox,
  port: number,
  upstream: (request: Request) => Promise<Response> = sandbox.fetch,
): Promise<ServedGateway> {
  return serveGateway(
    storage,
    sandbox,
    { sandbox: { baseUrl: SANDBOX_BASE_URL, fetch: upstream } },
    { port, env: { SANDBOX: 'true', ...UNPACED.env } },
  );
}

// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted on structurally.
type Body = any;

/**
 * A tenant's calls to a served gateway (read when called, so the gateway may be replaced by a restart): the API,
 * the change feed, sync status, sandbox actions, the inbound token and inbound deliveries.
 */
export function tenantCalls(gateway: () => ServedGateway) {
  const call = async (tenant: Tenant, path: string, init: { method?: string; body?: unknown } = {}) => {
    const response = await fetch(`${gateway().url}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${tenant.apiKey}`,
        'x-linked-account-id': tenant.linkedAccountId,
        'content-type': 'application/json',
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    return { status: response.status, body: (await response.json()) as Body };
  };
  const syncStatus = async (tenant: Tenant) =>
    (await call(tenant, `/linked-accounts/${tenant.linkedAccountId}/sync`)).body.result;
  const registration = (tenant: Tenant) =>
    getInboundWebhook(gateway().services.db, {
      environmentId: tenant.environmentId,
      linkedAccountId: tenant.linkedAccountId,
    });
  return {
    call,
    syncStatus,
    registration,
    events: async (tenant: Tenant, type: string) =>
      (await call(tenant, `/events?limit=200&type=${type}&linked_account_id=${tenant.linkedAccountId}`)).body
        .result as Body[],
    action: async (tenant: Tenant, body: Record<string, unknown>) => {
      const reply = await call(tenant, '/sandbox/actions', {
        method: 'POST',
        body: { linked_account_id: tenant.linkedAccountId, ...body },
      });
      expect(reply.status, JSON.stringify(reply.body)).toBe(200);
      return reply.body.result as { employee_id: string | null; timeoff_request_id: string | null };
    },
    /** The first pass that started at or after `requestedAt`, once it completed. */
    passAfter: (tenant: Tenant, requestedAt: number) =>
      waitFor(async () => {
        const status = await syncStatus(tenant);
        const last = status.last_pass;
        return !status.running && last?.status === 'completed' && Date.parse(last.started_at) >= requestedAt
          ? last
          : undefined;
      }, 'a pass'),
    tokenOf: async (tenant: Tenant) =>
      gateway().services.secretBox.decrypt((await registration(tenant))!.token!, 'inbound-webhook-token'),
  };
}
