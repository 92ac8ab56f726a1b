import { and, asc, desc, eq, gte, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import { randomBase62 } from '../../crypto/random';
import { endpointMatches } from '../../webhooks/matching';
import type { Database } from '../client';
import {
  type EventRow,
  events,
  type LinkedAccount,
  linkedAccounts,
  type WebhookAttempt,
  type WebhookDelivery,
  type WebhookEndpoint,
  webhookAttempts,
  webhookDeliveries,
  webhookEndpoints,
} from '../schema';

export const newWebhookEndpointId = () => `whe_${randomBase62(22)}`;
export const newWebhookDeliveryId = () => `whd_${randomBase62(22)}`;

export interface NewWebhookEndpoint {
  environmentId: string;
  url: string;
  description: string | null;
  eventTypes: string[];
  linkedAccountIds: string[] | null;
  enabled: boolean;
  /** Already encrypted; this layer never sees the secret in clear. */
  encryptedSecret: string;
  now: Date;
}

export async function createWebhookEndpoint(
  db: Database,
  input: NewWebhookEndpoint,
): Promise<WebhookEndpoint> {
  const [endpoint] = await db
    .insert(webhookEndpoints)
    .values({
      id: newWebhookEndpointId(),
      environmentId: input.environmentId,
      url: input.url,
      description: input.description,
      eventTypes: input.eventTypes,
      linkedAccountIds: input.linkedAccountIds,
      enabled: input.enabled,
      secret: input.encryptedSecret,
      createdAt: input.now,
      updatedAt: input.now,
    })
    .returning();
  return endpoint!;
}

const endpointOf = (ref: { environmentId: string; id: string }) =>
  and(eq(webhookEndpoints.environmentId, ref.environmentId), eq(webhookEndpoints.id, ref.id));

export async function getWebhookEndpoint(
  db: Database,
  ref: { environmentId: string; id: string },
): Promise<WebhookEndpoint | undefined> {
  const [endpoint] = await db.select().from(webhookEndpoints).where(endpointOf(ref)).limit(1);
  return endpoint;
}

/** Where a page of endpoints ends (newest first): `created_at` (set by the gateway, millisecond precision) and id. */
export interface WebhookEndpointPosition {
  created_at: string;
  id: string;
}

export async function listWebhookEndpointsPage(
  db: Database,
  input: { environmentId: string; after: WebhookEndpointPosition | null; limit: number },
): Promise<{ endpoints: WebhookEndpoint[]; next: WebhookEndpointPosition | null }> {
  const after = input.after;
  const rows = await db
    .select()
    .from(webhookEndpoints)
    .where(
      and(
        eq(webhookEndpoints.environmentId, input.environmentId),
        after
          ? or(
              lt(webhookEndpoints.createdAt, new Date(after.created_at)),
              and(
                eq(webhookEndpoints.createdAt, new Date(after.created_at)),
                lt(webhookEndpoints.id, after.id),
              ),
            )
          : undefined,
      ),
    )
    .orderBy(desc(webhookEndpoints.createdAt), desc(webhookEndpoints.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  return {
    endpoints: page,
    next:
      rows.length > input.limit && last ? { created_at: last.createdAt.toISOString(), id: last.id } : null,
  };
}

export async function updateWebhookEndpoint(
  db: Database,
  input: {
    environmentId: string;
    id: string;
    changes: Partial<
      Pick<WebhookEndpoint, 'url' | 'description' | 'eventTypes' | 'linkedAccountIds' | 'enabled'>
    >;
    now: Date;
  },
): Promise<WebhookEndpoint | undefined> {
  const changes: Partial<WebhookEndpoint> = { ...input.changes, updatedAt: input.now };
  // Turning an endpoint on again starts its failure clock afresh.
  if (input.changes.enabled === true) Object.assign(changes, { disabledReason: null, failingSince: null });
  const [endpoint] = await db.update(webhookEndpoints).set(changes).where(endpointOf(input)).returning();
  return endpoint;
}

export async function deleteWebhookEndpoint(
  db: Database,
  ref: { environmentId: string; id: string },
): Promise<boolean> {
  const rows = await db
    .delete(webhookEndpoints)
    .where(endpointOf(ref))
    .returning({ id: webhookEndpoints.id });
  return rows.length > 0;
}

/** Replaces the secret; the one it replaces keeps signing until `previousExpiresAt`. */
export async function rotateWebhookSecret(
  db: Database,
  input: {
    environmentId: string;
    id: string;
    encryptedSecret: string;
    previousExpiresAt: Date;
    now: Date;
  },
): Promise<WebhookEndpoint | undefined> {
  const [endpoint] = await db
    .update(webhookEndpoints)
    .set({
      secret: input.encryptedSecret,
      previousSecret: sql`${webhookEndpoints.secret}`,
      previousSecretExpiresAt: input.previousExpiresAt,
      updatedAt: input.now,
    })
    .where(endpointOf(input))
    .returning();
  return endpoint;
}

/**
 * The outbox: inside the transaction that stores `stored`, one pending delivery per event and each enabled
 * endpoint of the environment that subscribes to it. Both commit together or not at all.
 */
export async function insertDeliveriesForEvents(
  tx: Database,
  input: { environmentId: string; events: EventRow[] },
): Promise<number> {
  if (input.events.length === 0) return 0;
  const endpoints = await tx
    .select({
      id: webhookEndpoints.id,
      eventTypes: webhookEndpoints.eventTypes,
      linkedAccountIds: webhookEndpoints.linkedAccountIds,
    })
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.environmentId, input.environmentId), eq(webhookEndpoints.enabled, true)));
  if (endpoints.length === 0) return 0;
  const rows: (typeof webhookDeliveries.$inferInsert)[] = [];
  for (const event of input.events) {
    for (const endpoint of endpoints) {
      if (!endpointMatches(endpoint, event)) continue;
      rows.push({
        id: newWebhookDeliveryId(),
        environmentId: input.environmentId,
        endpointId: endpoint.id,
        eventId: event.id,
        eventType: event.type,
        nextAttemptAt: event.createdAt,
        createdAt: event.createdAt,
      });
    }
  }
  for (let start = 0; start < rows.length; start += 1000) {
    await tx.insert(webhookDeliveries).values(rows.slice(start, start + 1000));
  }
  return rows.length;
}

/**
 * Due deliveries of every environment, oldest first, but only as many of an endpoint as it has free
 * slots (`perEndpoint` minus its attempts in flight): one endpoint's backlog never fills the page and
 * starves the others. This is the sweep that wakes deliveries up; each is claimed before it is sent, so
 * listing one twice is harmless.
 */
export async function dueWebhookDeliveries(
  db: Database,
  input: { now: Date; limit: number; perEndpoint: number },
): Promise<Pick<WebhookDelivery, 'id' | 'attempts'>[]> {
  const inFlight = sql`(${webhookDeliveries.leaseUntil} is not null and ${webhookDeliveries.leaseUntil} >= ${input.now.toISOString()}::timestamptz)`;
  const ranked = db
    .select({
      id: webhookDeliveries.id,
      attempts: webhookDeliveries.attempts,
      nextAttemptAt: webhookDeliveries.nextAttemptAt,
      inFlight: sql<boolean>`${inFlight}`.as('in_flight'),
      // Attempts in flight rank first, so they use up their endpoint's slots.
      rank: sql<number>`row_number() over (partition by ${webhookDeliveries.endpointId} order by ${inFlight} desc, ${webhookDeliveries.nextAttemptAt})`.as(
        'rank',
      ),
    })
    .from(webhookDeliveries)
    .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
    .where(
      and(
        eq(webhookDeliveries.status, 'pending'),
        eq(webhookEndpoints.enabled, true),
        or(
          inFlight,
          and(
            lte(webhookDeliveries.nextAttemptAt, input.now),
            or(isNull(webhookDeliveries.leaseUntil), lt(webhookDeliveries.leaseUntil, input.now)),
          ),
        ),
      ),
    )
    .as('ranked');
  return db
    .select({ id: ranked.id, attempts: ranked.attempts })
    .from(ranked)
    .where(and(lte(ranked.rank, input.perEndpoint), sql`not ${ranked.inFlight}`))
    .orderBy(asc(ranked.nextAttemptAt))
    .limit(input.limit);
}

export type ClaimOutcome =
  | { claimed: WebhookDelivery; endpoint: WebhookEndpoint }
  | { claimed: null; reason: 'not_due' | 'endpoint_busy' };

/**
 * Takes a due delivery for one attempt: a lease until `leaseUntil` under `owner`, in one statement, unless
 * another process holds it, it is not due, its endpoint is off, or the endpoint already has `endpointCap`
 * attempts in flight. With `endpointId` instead of `id`: the endpoint's oldest due delivery that no one
 * holds (`SKIP LOCKED`: concurrent claimers take different rows). Concurrent claims in several processes
 * read the in-flight count at the same moment, so the cap can be passed by the number of claimers racing.
 */
export async function claimWebhookDelivery(
  db: Database,
  input: ({ id: string } | { endpointId: string }) & {
    owner: string;
    now: Date;
    leaseUntil: Date;
    endpointCap: number;
  },
): Promise<ClaimOutcome> {
  const claimable = and(
    eq(webhookDeliveries.status, 'pending'),
    lte(webhookDeliveries.nextAttemptAt, input.now),
    or(isNull(webhookDeliveries.leaseUntil), lt(webhookDeliveries.leaseUntil, input.now)),
  );
  const target =
    'id' in input
      ? eq(webhookDeliveries.id, input.id)
      : eq(
          webhookDeliveries.id,
          db
            .select({ id: webhookDeliveries.id })
            .from(webhookDeliveries)
            .where(and(eq(webhookDeliveries.endpointId, input.endpointId), claimable))
            .orderBy(asc(webhookDeliveries.nextAttemptAt))
            .limit(1)
            .for('update', { skipLocked: true }),
        );
  const inFlight = sql`(select count(*) from ${webhookDeliveries} as flying where flying.endpoint_id = ${webhookDeliveries.endpointId} and flying.status = 'pending' and flying.lease_until >= ${input.now.toISOString()}::timestamptz)`;
  const [row] = await db
    .update(webhookDeliveries)
    .set({ leaseOwner: input.owner, leaseUntil: input.leaseUntil })
    .from(webhookEndpoints)
    .where(
      and(
        target,
        claimable,
        sql`${inFlight} < ${input.endpointCap}`,
        eq(webhookEndpoints.id, webhookDeliveries.endpointId),
        eq(webhookEndpoints.enabled, true),
      ),
    )
    .returning();
  if (!row) {
    // Tell "its endpoint is full" from "nothing to do", so a caller can come back for it.
    if (!('id' in input)) return { claimed: null, reason: 'not_due' };
    const [row] = await db
      .select({ id: webhookDeliveries.id })
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.id, input.id), claimable))
      .limit(1);
    return { claimed: null, reason: row ? 'endpoint_busy' : 'not_due' };
  }
  const { webhook_endpoints: endpoint, ...claimed } = row;
  return { claimed, endpoint };
}

/** A delivery's event with the settings of its linked account (which may hide absence details), in one query. */
export async function eventForDelivery(
  db: Database,
  ref: { environmentId: string; eventId: string },
): Promise<{ event: EventRow; settings: LinkedAccount['settings'] | undefined } | undefined> {
  const [row] = await db
    .select({ event: events, settings: linkedAccounts.settings })
    .from(events)
    .leftJoin(
      linkedAccounts,
      and(
        eq(linkedAccounts.id, events.linkedAccountId),
        eq(linkedAccounts.environmentId, events.environmentId),
      ),
    )
    .where(and(eq(events.environmentId, ref.environmentId), eq(events.id, ref.eventId)))
    .limit(1);
  return row ? { event: row.event, settings: row.settings ?? undefined } : undefined;
}

export interface AttemptRecord {
  attemptedAt: Date;
  responseStatus: number | null;
  latencyMs: number;
  responseBody: string | null;
  error: string | null;
}

/**
 * Records an attempt and the delivery's next state, and lets the lease go, in one statement (a CTE: both
 * or neither). The state changes only while `owner` still holds the lease (an attempt that outlived it is
 * logged, but the new holder decides).
 */
export async function recordWebhookAttempt(
  db: Database,
  input: {
    delivery: WebhookDelivery;
    owner: string;
    attempt: AttemptRecord;
    next: { status: 'pending'; nextAttemptAt: Date } | { status: 'succeeded' | 'failed' };
  },
): Promise<boolean> {
  const attempt = db.$with('attempt').as(
    db
      .insert(webhookAttempts)
      .values({ deliveryId: input.delivery.id, ...input.attempt })
      .returning({ id: webhookAttempts.id }),
  );
  const updated = await db
    .with(attempt)
    .update(webhookDeliveries)
    .set({
      status: input.next.status,
      attempts: sql`${webhookDeliveries.attempts} + 1`,
      nextAttemptAt: input.next.status === 'pending' ? input.next.nextAttemptAt : null,
      lastAttemptAt: input.attempt.attemptedAt,
      leaseOwner: null,
      leaseUntil: null,
    })
    .where(and(eq(webhookDeliveries.id, input.delivery.id), eq(webhookDeliveries.leaseOwner, input.owner)))
    .returning({ id: webhookDeliveries.id });
  return updated.length > 0;
}

/** A success ends the endpoint's failure streak. */
export async function markWebhookEndpointHealthy(db: Database, ref: { environmentId: string; id: string }) {
  await db
    .update(webhookEndpoints)
    .set({ failingSince: null })
    .where(and(endpointOf(ref), sql`${webhookEndpoints.failingSince} is not null`));
}

/** Starts (or continues) the endpoint's failure streak; returns when it began. */
export async function markWebhookEndpointFailing(
  db: Database,
  ref: { environmentId: string; id: string; now: Date },
): Promise<Date | null> {
  const [row] = await db
    .update(webhookEndpoints)
    .set({
      failingSince: sql`coalesce(${webhookEndpoints.failingSince}, ${ref.now.toISOString()}::timestamptz)`,
    })
    .where(endpointOf(ref))
    .returning({ failingSince: webhookEndpoints.failingSince });
  return row?.failingSince ?? null;
}

/** Turns the endpoint off; only the call that actually turned it off gets the endpoint back. */
export async function disableWebhookEndpoint(
  db: Database,
  ref: { environmentId: string; id: string; reason: 'gone' | 'failing'; now: Date },
): Promise<WebhookEndpoint | undefined> {
  const [endpoint] = await db
    .update(webhookEndpoints)
    .set({ enabled: false, disabledReason: ref.reason, updatedAt: ref.now })
    .where(and(endpointOf(ref), eq(webhookEndpoints.enabled, true)))
    .returning();
  return endpoint;
}

export async function getWebhookDelivery(
  db: Database,
  ref: { environmentId: string; id: string },
): Promise<WebhookDelivery | undefined> {
  const [delivery] = await db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.environmentId, ref.environmentId), eq(webhookDeliveries.id, ref.id)))
    .limit(1);
  return delivery;
}

/** Where a page of deliveries ends (newest first). */
export interface WebhookDeliveryPosition {
  created_at: string;
  id: string;
}

export async function listWebhookDeliveriesPage(
  db: Database,
  input: {
    environmentId: string;
    endpointId: string;
    after: WebhookDeliveryPosition | null;
    limit: number;
  },
): Promise<{
  deliveries: { delivery: WebhookDelivery; attempts: WebhookAttempt[] }[];
  next: WebhookDeliveryPosition | null;
}> {
  const after = input.after;
  const rows = await db
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.environmentId, input.environmentId),
        eq(webhookDeliveries.endpointId, input.endpointId),
        after
          ? or(
              lt(webhookDeliveries.createdAt, new Date(after.created_at)),
              and(
                eq(webhookDeliveries.createdAt, new Date(after.created_at)),
                lt(webhookDeliveries.id, after.id),
              ),
            )
          : undefined,
      ),
    )
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  const attempts = page.length
    ? await db
        .select()
        .from(webhookAttempts)
        .where(
          inArray(
            webhookAttempts.deliveryId,
            page.map((delivery) => delivery.id),
          ),
        )
        .orderBy(asc(webhookAttempts.id))
    : [];
  const byDelivery = new Map<string, WebhookAttempt[]>();
  for (const attempt of attempts) {
    const list = byDelivery.get(attempt.deliveryId) ?? [];
    list.push(attempt);
    byDelivery.set(attempt.deliveryId, list);
  }
  const last = page.at(-1);
  return {
    deliveries: page.map((delivery) => ({ delivery, attempts: byDelivery.get(delivery.id) ?? [] })),
    next:
      rows.length > input.limit && last ? { created_at: last.createdAt.toISOString(), id: last.id } : null,
  };
}

/** Makes a delivery due now again (whatever its state), keeping its attempts. */
export async function retryWebhookDelivery(
  db: Database,
  ref: { environmentId: string; id: string; now: Date },
): Promise<WebhookDelivery | undefined> {
  const [delivery] = await db
    .update(webhookDeliveries)
    .set({ status: 'pending', nextAttemptAt: ref.now })
    .where(and(eq(webhookDeliveries.environmentId, ref.environmentId), eq(webhookDeliveries.id, ref.id)))
    .returning();
  return delivery;
}

/**
 * Replay: a new delivery to this endpoint of every event of the environment since `since` that it
 * subscribes to (same event ids, so receivers can tell a replayed event by its `webhook-id`).
 */
export async function replayEventsToEndpoint(
  db: Database,
  input: { environmentId: string; endpoint: WebhookEndpoint; since: Date; now: Date },
): Promise<number> {
  return db.transaction(async (tx) => {
    const inner = tx as unknown as Database;
    let total = 0;
    let afterSeq = 0;
    for (;;) {
      const page = await inner
        .select()
        .from(events)
        .where(
          and(
            eq(events.environmentId, input.environmentId),
            gte(events.createdAt, input.since),
            sql`${events.seq} > ${afterSeq}`,
          ),
        )
        .orderBy(asc(events.seq))
        .limit(1000);
      if (page.length === 0) return total;
      afterSeq = page.at(-1)!.seq;
      const rows = page
        .filter((event) => endpointMatches(input.endpoint, event))
        .map((event) => ({
          id: newWebhookDeliveryId(),
          environmentId: input.environmentId,
          endpointId: input.endpoint.id,
          eventId: event.id,
          eventType: event.type,
          nextAttemptAt: input.now,
          createdAt: input.now,
        }));
      if (rows.length) await inner.insert(webhookDeliveries).values(rows);
      total += rows.length;
    }
  });
}
