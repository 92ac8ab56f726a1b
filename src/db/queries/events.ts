import { and, asc, eq, gt, inArray, like, lt, or, sql } from 'drizzle-orm';
import { randomBase62 } from '../../crypto/random';
import type { NewEvent } from '../../events/types';
import type { Database } from '../client';
import { type EventRow, events, linkedAccounts } from '../schema';
import { insertDeliveriesForEvents } from './webhooks';

/** Serialises the event inserts of one environment (see `events.seq`). */
const EVENT_LOCK_SPACE = 727_431_011;

export function newEventId(): string {
  return `evt_${randomBase62(22)}`;
}

/**
 * Appends events inside the caller's transaction. The transaction-level lock is taken last thing before
 * the insert and held to commit, so events of one environment commit in `seq` order. Their webhook
 * deliveries are written in the same transaction.
 */
export async function insertEvents(
  tx: Database,
  input: { environmentId: string; linkedAccountId: string | null; events: NewEvent[] },
): Promise<EventRow[]> {
  if (input.events.length === 0) return [];
  await tx.execute(sql`select pg_advisory_xact_lock(${EVENT_LOCK_SPACE}, hashtext(${input.environmentId}))`);
  const stored = await tx
    .insert(events)
    .values(
      input.events.map((event) => ({
        id: newEventId(),
        environmentId: input.environmentId,
        linkedAccountId: input.linkedAccountId,
        type: event.type,
        data: event.data,
      })),
    )
    .returning();
  // The webhook outbox: deliveries commit (or roll back) with their events.
  await insertDeliveriesForEvents(tx, { environmentId: input.environmentId, events: stored });
  return stored;
}

export interface EventFilters {
  linkedAccountId?: string | undefined;
  /** Exact types and `resource.` prefixes (from `resource.*`); any of them matches. */
  types?: { exact: string[]; prefixes: string[] } | undefined;
  createdAfter?: Date | undefined;
}

/** One page of an environment's events in `seq` order, after `afterSeq`. */
export async function listEventsPage(
  db: Database,
  input: { environmentId: string; filters: EventFilters; afterSeq: number; limit: number },
): Promise<{ events: EventRow[]; hasMore: boolean }> {
  const { filters } = input;
  const typeConditions = filters.types
    ? [
        ...(filters.types.exact.length ? [inArray(events.type, filters.types.exact)] : []),
        ...filters.types.prefixes.map((prefix) => like(events.type, `${prefix}%`)),
      ]
    : [];
  const rows = await db
    .select()
    .from(events)
    .where(
      and(
        eq(events.environmentId, input.environmentId),
        gt(events.seq, input.afterSeq),
        filters.linkedAccountId === undefined
          ? undefined
          : eq(events.linkedAccountId, filters.linkedAccountId),
        filters.createdAfter === undefined ? undefined : gt(events.createdAt, filters.createdAfter),
        typeConditions.length ? or(...typeConditions) : undefined,
      ),
    )
    .orderBy(asc(events.seq))
    .limit(input.limit + 1);
  return { events: rows.slice(0, input.limit), hasMore: rows.length > input.limit };
}

export async function getEvent(
  db: Database,
  input: { environmentId: string; id: string },
): Promise<EventRow | undefined> {
  const [row] = await db
    .select()
    .from(events)
    .where(and(eq(events.environmentId, input.environmentId), eq(events.id, input.id)))
    .limit(1);
  return row;
}

/** The settings of these accounts of this environment, deleted ones included (their events stay readable). */
export async function linkedAccountSettingsOf(
  db: Database,
  input: { environmentId: string; ids: string[] },
): Promise<Map<string, (typeof linkedAccounts.$inferSelect)['settings']>> {
  if (input.ids.length === 0) return new Map();
  const rows = await db
    .select({ id: linkedAccounts.id, settings: linkedAccounts.settings })
    .from(linkedAccounts)
    .where(and(eq(linkedAccounts.environmentId, input.environmentId), inArray(linkedAccounts.id, input.ids)));
  return new Map(rows.map((row) => [row.id, row.settings]));
}

/** Retention: drops events older than `before`, in batches; returns how many went. */
export async function deleteEventsBefore(
  db: Database,
  input: { before: Date; batch: number },
): Promise<number> {
  const rows = await db
    .delete(events)
    .where(
      inArray(
        events.seq,
        db
          .select({ seq: events.seq })
          .from(events)
          .where(lt(events.createdAt, input.before))
          .limit(input.batch),
      ),
    )
    .returning({ seq: events.seq });
  return rows.length;
}
