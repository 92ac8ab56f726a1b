import { expect } from 'vitest';
import { getSyncState } from '../../src/db/queries/sync';
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

/** An event as `GET /events` returns it. */
export interface EventBody {
  id: string;
  type: string;
  created_at: string;
  linked_account_id: string;
  data: { object: Record<string, unknown>; previous_attributes?: Record<string, unknown> };
}

/** Every event of the gateway's environment, from the start, walking `GET /events` page by page. */
export async function allEvents(gateway: TestGateway): Promise<EventBody[]> {
  const events: EventBody[] = [];
  let next: string | null = null;
  do {
    const page = await json(gateway, `/events?limit=200${next ? `&cursor=${encodeURIComponent(next)}` : ''}`);
    expect(page.status).toBe(200);
    events.push(...page.body.result);
    next = page.body.next_cursor;
  } while (next);
  return events;
}

/**
 * Starts a pass and waits until a pass that began after the call has finished; returns that pass. The wait
 * is scaled to the work: it gives up only when no pass has made progress (pages written) for `stallMs`, so a
 * first pass over thousands of records on a loaded machine is waited for as long as it keeps moving (the balances
 * refresh that may follow a pass shows no progress until it ends, hence the generous default).
 */
export async function syncNow(gateway: TestGateway, tenant: Tenant, stallMs = 180_000) {
  // Same machine, same clock: a pass that starts after this instant sees every change made before it.
  const requestedAt = Date.now();
  const started = await json(gateway, `/linked-accounts/${tenant.linkedAccountId}/sync`, { method: 'POST' });
  expect(started.status).toBe(202);
  const leaseFree = async () =>
    !(
      await getSyncState(gateway.deps.db, {
        environmentId: tenant.environmentId,
        linkedAccountId: tenant.linkedAccountId,
      })
    )?.leaseOwner;
  let progress = '';
  let movedAt = Date.now();
  return waitFor(
    async () => {
      const status = await json(gateway, `/linked-accounts/${tenant.linkedAccountId}/sync`);
      const { running, last_pass: last } = status.body.result;
      // Done when the job that ran the pass has also let go of the lease: after a pass it may still refresh
      // balances, and a request made meanwhile would have the holder run once more.
      if (!running && last && Date.parse(last.started_at) >= requestedAt && (await leaseFree())) return last;
      const now = `${running?.id}:${running?.counts.upstream_pages}:${last?.id}`;
      if (now !== progress) {
        progress = now;
        movedAt = Date.now();
      }
      if (Date.now() - movedAt > stallMs) {
        throw new Error(`timed out waiting for a sync pass: no progress in ${stallMs} ms (${now})`);
      }
      return undefined;
    },
    'a sync pass',
    Number.POSITIVE_INFINITY,
    // Each poll is a few queries: fewer of them leave more of a loaded machine to the pass itself.
    200,
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
