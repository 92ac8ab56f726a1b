import { expect } from 'vitest';
import type { Tenant, TestGateway } from './gateway';
import { waitFor } from './wait';

/** A JSON call to the gateway; the body comes back untyped, for structural assertions. */
export async function json(
  gateway: TestGateway,
  path: string,
  init: Parameters<TestGateway['request']>[1] = {},
) {
  const response = await gateway.request(path, {
    ...init,
    headers: { 'content-type': 'application/json', ...init.headers },
  });
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted on structurally.
  return { status: response.status, body: (await response.json()) as any };
}

/** Starts a pass and waits until a pass that began after the call has finished; returns that pass. */
export async function syncNow(gateway: TestGateway, tenant: Tenant, timeoutMs?: number) {
  // Same machine, same clock: a pass that starts after this instant sees every change made before it.
  const requestedAt = Date.now();
  const started = await json(gateway, `/linked-accounts/${tenant.linkedAccountId}/sync`, { method: 'POST' });
  expect(started.status).toBe(202);
  return waitFor(
    async () => {
      const status = await json(gateway, `/linked-accounts/${tenant.linkedAccountId}/sync`);
      const last = status.body.result.last_pass;
      return !status.body.result.running && last && Date.parse(last.started_at) >= requestedAt
        ? last
        : undefined;
    },
    'a sync pass',
    timeoutMs,
  );
}

/** `POST /sandbox/actions` for the tenant's linked account: HR changing the sandbox's data. */
export async function sandboxAction(gateway: TestGateway, tenant: Tenant, body: Record<string, unknown>) {
  const reply = await json(gateway, '/sandbox/actions', {
    method: 'POST',
    body: JSON.stringify({ linked_account_id: tenant.linkedAccountId, ...body }),
  });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body.result as { employee_id: string | null; timeoff_request_id: string | null };
}
