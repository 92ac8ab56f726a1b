import { and, asc, desc, eq, gte, inArray, isNull, lt, lte, or, type SQL, sql } from 'drizzle-orm';
import { randomBase62 } from '../../crypto/random';
import { endpointMatches } from '../../webhooks/matching';
import { deliveriesMayBeDue } from '../../webhooks/wake';
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
  if (input.changes.enabled === true) deliveriesMayBeDue();
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
  if (rows.length > 0) deliveriesMayBeDue();
  return rows.length;
}

/**
 * Endpoints with deliveries due now, the one waiting longest first, each with its free slots
 * (`perEndpoint` minus its attempts in flight, across processes). An endpoint at its cap is left out, so a
 * slow endpoint's backlog never takes the place of another endpoint. This is the sweep that wakes
 * deliveries up; each is claimed before it is sent, so listing an endpoint twice is harmless.
 */
export async function dueWebhookEndpoints(
  db: Database,
  input: { now: Date; limit: number; perEndpoint: number },
): Promise<{ endpointId: string; free: number }[]> {
  const inFlight = sql`(${webhookDeliveries.leaseUntil} is not null and ${webhookDeliveries.leaseUntil} >= ${input.now.toISOString()}::timestamptz)`;
  const flying = sql<number>`count(*) filter (where ${inFlight})`;
  const rows = await db
    .select({ endpointId: webhookDeliveries.endpointId, inFlight: flying.mapWith(Number) })
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
    .groupBy(webhookDeliveries.endpointId)
    .having(and(sql`count(*) filter (where not ${inFlight}) > 0`, sql`${flying} < ${input.perEndpoint}`))
    .orderBy(sql`min(${webhookDeliveries.nextAttemptAt}) filter (where not ${inFlight})`)
    .limit(input.limit);
  return rows.map((row) => ({ endpointId: row.endpointId, free: input.perEndpoint - row.inFlight }));
}

/** A delivery taken for an attempt, with everything the attempt needs. */
export interface ClaimedDelivery {
  delivery: WebhookDelivery;
  endpoint: WebhookEndpoint;
  event: EventRow;
  /** The settings of the event's linked account (which may hide absence details). */
  settings: LinkedAccount['settings'] | undefined;
}

/**
 * Takes due deliveries for one attempt each: a lease until `leaseUntil` under `owner`, returned with their
 * endpoint, event and account settings, in one statement. A delivery is taken only if it is due, no one
 * holds it, its endpoint is on, and the endpoint has fewer than `endpointCap` attempts in flight.
 * With `endpointId`: up to `limit` of the endpoint's oldest due deliveries (`SKIP LOCKED`: concurrent
 * claimers take different rows), and `free` says how many of them may be in flight at once (the cap minus
 * the endpoint's leases held before this claim). With `id`: that delivery alone.
 * Concurrent claims in several processes read the in-flight count at the same moment, so the cap can be
 * passed by the number of claimers racing.
 */
export async function claimWebhookDeliveries(
  db: Database,
  input: ({ id: string } | { endpointId: string; limit: number }) & {
    owner: string;
    now: Date;
    leaseUntil: Date;
    endpointCap: number;
  },
): Promise<{ deliveries: ClaimedDelivery[]; free: number }> {
  const now = input.now.toISOString();
  const claimable = and(
    eq(webhookDeliveries.status, 'pending'),
    lte(webhookDeliveries.nextAttemptAt, input.now),
    or(isNull(webhookDeliveries.leaseUntil), lt(webhookDeliveries.leaseUntil, input.now)),
  );
  // Leases held before this statement (its own are not seen by its snapshot). Only leased rows are counted
  // (a finished attempt clears its lease), so the partial index on leases answers it.
  const inFlightOf = (endpointId: SQL | string) =>
    sql`(select count(*) from ${webhookDeliveries} as flying where flying.endpoint_id = ${endpointId} and flying.lease_until is not null and flying.lease_until >= ${now}::timestamptz)`;
  let target: SQL | undefined;
  let free: SQL;
  if ('id' in input) {
    target = and(
      eq(webhookDeliveries.id, input.id),
      claimable,
      sql`${inFlightOf(sql`${webhookDeliveries.endpointId}`)} < ${input.endpointCap}`,
    );
    free = sql`1`;
  } else {
    const inFlight = inFlightOf(input.endpointId);
    const picked = db
      .select({ id: webhookDeliveries.id })
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.endpointId, input.endpointId), claimable))
      .orderBy(asc(webhookDeliveries.nextAttemptAt))
      // drizzle types a limit as a number; an expression is rendered as it is.
      .limit(
        sql`case when ${inFlight} < ${input.endpointCap} then ${input.limit} else 0 end` as unknown as number,
      )
      .for('update', { skipLocked: true });
    // `= any(array(…))` runs the subquery once (an InitPlan); as `in (…)` it may run again for every row
    // updated, each time skipping the rows just locked and taking the next ones. The rows it returns are
    // locked and were checked claimable on their latest version, so they need no second check (which
    // without statistics, as in PGlite, can lead the planner to scan every due delivery).
    target = sql`${webhookDeliveries.id} = any(array(${picked}))`;
    free = sql`${input.endpointCap} - ${inFlight}`;
  }
  const rows = await db
    .update(webhookDeliveries)
    .set({ leaseOwner: input.owner, leaseUntil: input.leaseUntil })
    .from(webhookEndpoints)
    // UPDATE … FROM cannot join on the updated table: the event is matched in WHERE.
    .innerJoin(events, sql`true`)
    .leftJoin(
      linkedAccounts,
      and(
        eq(linkedAccounts.id, events.linkedAccountId),
        eq(linkedAccounts.environmentId, events.environmentId),
      ),
    )
    .where(
      and(
        target,
        eq(webhookEndpoints.id, webhookDeliveries.endpointId),
        eq(webhookEndpoints.enabled, true),
        eq(events.id, webhookDeliveries.eventId),
        eq(events.environmentId, webhookDeliveries.environmentId),
      ),
    )
    .returning({
      delivery: webhookDeliveries,
      endpoint: webhookEndpoints,
      event: events,
      settings: linkedAccounts.settings,
      free: sql<number>`${free}`.mapWith(Number),
    });
  const deliveries = rows
    .map(({ free: _, ...row }) => ({ ...row, settings: row.settings ?? undefined }))
    .sort((a, b) => (a.delivery.nextAttemptAt?.getTime() ?? 0) - (b.delivery.nextAttemptAt?.getTime() ?? 0));
  return { deliveries, free: rows[0]?.free ?? 0 };
}

/** Lets claimed deliveries go unattempted (their run stopped before sending them). */
export async function releaseWebhookDeliveries(db: Database, input: { owner: string; ids: string[] }) {
  if (input.ids.length === 0) return;
  await db
    .update(webhookDeliveries)
    .set({ leaseOwner: null, leaseUntil: null })
    .where(and(inArray(webhookDeliveries.id, input.ids), eq(webhookDeliveries.leaseOwner, input.owner)));
  deliveriesMayBeDue();
}

/** Whether this delivery is due and free (a claim that took nothing tells "endpoint full" from "not due"). */
export async function isWebhookDeliveryClaimable(db: Database, input: { id: string; now: Date }) {
  const [row] = await db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.id, input.id),
        eq(webhookDeliveries.status, 'pending'),
        lte(webhookDeliveries.nextAttemptAt, input.now),
        or(isNull(webhookDeliveries.leaseUntil), lt(webhookDeliveries.leaseUntil, input.now)),
      ),
    )
    .limit(1);
  return row !== undefined;
}

export interface AttemptRecord {
  attemptedAt: Date;
  responseStatus: number | null;
  latencyMs: number;
  responseBody: string | null;
  error: string | null;
}

export interface AttemptResult {
  /** As claimed: `revision` says whether a manual retry came in meanwhile. */
  delivery: Pick<WebhookDelivery, 'id' | 'revision'>;
  attempt: AttemptRecord;
  next: { status: 'pending'; nextAttemptAt: Date } | { status: 'succeeded' | 'failed' };
}

/**
 * Records attempts and lets their leases go, in one statement (a CTE: all or none). A delivery's state
 * changes only while `owner` still holds its lease (an attempt that outlived it is logged, but the new
 * holder decides), and its next state is the attempt's only if its revision is the one claimed: a manual
 * retry during the attempt bumped it, and the retry stands (compare-and-set).
 */
export async function recordWebhookAttempts(
  db: Database,
  input: { owner: string; results: AttemptResult[] },
): Promise<void> {
  if (input.results.length === 0) return;
  const outcomes = sql.join(
    input.results.map(
      ({ delivery, attempt, next }) =>
        sql`(${delivery.id}::text, ${delivery.revision}::integer, ${attempt.attemptedAt.toISOString()}::timestamptz, ${attempt.responseStatus}::integer, ${attempt.latencyMs}::integer, ${attempt.responseBody}::text, ${attempt.error}::text, ${next.status}::text, ${next.status === 'pending' ? next.nextAttemptAt.toISOString() : null}::timestamptz)`,
    ),
    sql`, `,
  );
  // The log is written only for deliveries that still exist (the endpoint may have been deleted meanwhile).
  await db.execute(sql`
    with outcome (delivery_id, revision, attempted_at, response_status, latency_ms, response_body, error, status, next_attempt_at) as (
      values ${outcomes}
    ), logged as (
      insert into ${webhookAttempts} (delivery_id, attempted_at, response_status, latency_ms, response_body, error)
      select outcome.delivery_id, outcome.attempted_at, outcome.response_status, outcome.latency_ms, outcome.response_body, outcome.error
      from outcome join ${webhookDeliveries} as existing on existing.id = outcome.delivery_id
    )
    update ${webhookDeliveries} as delivery set
      status = case when delivery.revision = outcome.revision then outcome.status else delivery.status end,
      next_attempt_at = case when delivery.revision = outcome.revision then outcome.next_attempt_at else delivery.next_attempt_at end,
      attempts = delivery.attempts + 1,
      last_attempt_at = outcome.attempted_at,
      lease_owner = null,
      lease_until = null
    from outcome
    where delivery.id = outcome.delivery_id and delivery.lease_owner = ${input.owner}
  `);
}

/** A success ends the endpoint's failure streak. */
export async function markWebhookEndpointHealthy(db: Database, ref: { environmentId: string; id: string }) {
  await db
    .update(webhookEndpoints)
    .set({ failingSince: null })
    .where(and(endpointOf(ref), sql`${webhookEndpoints.failingSince} is not null`));
}

/** Starts (or continues, unless `restart`) the endpoint's failure streak; returns when it began. */
export async function markWebhookEndpointFailing(
  db: Database,
  ref: { environmentId: string; id: string; now: Date; restart?: boolean },
): Promise<Date | null> {
  const now = ref.now.toISOString();
  const [row] = await db
    .update(webhookEndpoints)
    .set({
      failingSince: ref.restart
        ? sql`${now}::timestamptz`
        : sql`coalesce(${webhookEndpoints.failingSince}, ${now}::timestamptz)`,
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

/**
 * Makes a delivery due now again (whatever its state), keeping its attempts, if its endpoint is on (checked
 * in the same statement). The revision goes up, so an attempt in flight cannot overwrite this with its
 * own outcome.
 */
export async function retryWebhookDelivery(
  db: Database,
  ref: { environmentId: string; id: string; now: Date },
): Promise<WebhookDelivery | undefined> {
  const [delivery] = await db
    .update(webhookDeliveries)
    .set({ status: 'pending', nextAttemptAt: ref.now, revision: sql`${webhookDeliveries.revision} + 1` })
    .where(
      and(
        eq(webhookDeliveries.environmentId, ref.environmentId),
        eq(webhookDeliveries.id, ref.id),
        sql`exists (select 1 from ${webhookEndpoints} where ${webhookEndpoints.id} = ${webhookDeliveries.endpointId} and ${webhookEndpoints.enabled})`,
      ),
    )
    .returning();
  if (delivery) deliveriesMayBeDue();
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
      if (page.length === 0) {
        if (total > 0) deliveriesMayBeDue();
        return total;
      }
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
