import { and, eq, inArray, lte } from 'drizzle-orm';
import type { Database } from '../client';
import { timeoffExternalIds } from '../schema';

export interface ExternalIdRef {
  environmentId: string;
  linkedAccountId: string;
  externalId: string;
}

export type ExternalIdClaim =
  /** This create may write; `resumed`: an earlier create of this id died mid-write, so look first. */
  | { state: 'claimed'; claimedAt: Date; resumed: boolean }
  /** Another create of this id is writing until `leaseEndsAt`. */
  | { state: 'pending'; leaseEndsAt: Date }
  | { state: 'created'; timeoffRequestId: string };

const whereRef = (ref: ExternalIdRef) =>
  and(
    eq(timeoffExternalIds.environmentId, ref.environmentId),
    eq(timeoffExternalIds.linkedAccountId, ref.linkedAccountId),
    eq(timeoffExternalIds.externalId, ref.externalId),
  );

const whereHeld = (ref: ExternalIdRef, claimedAt: Date) =>
  and(whereRef(ref), eq(timeoffExternalIds.status, 'pending'), eq(timeoffExternalIds.claimedAt, claimedAt));

/**
 * Claims an external id for one create: a new id is inserted `pending`; a pending one whose lease ran out is
 * taken over (`resumed`); otherwise the row says who has it.
 */
export async function claimExternalId(
  db: Database,
  input: ExternalIdRef & { now: Date; leaseMs: number },
): Promise<ExternalIdClaim> {
  const leaseEndsAt = new Date(input.now.getTime() + input.leaseMs);
  // A row can vanish between the statements below (released by a failed create); look again then.
  for (let attempt = 0; attempt < 3; attempt++) {
    const inserted = await db
      .insert(timeoffExternalIds)
      .values({
        environmentId: input.environmentId,
        linkedAccountId: input.linkedAccountId,
        externalId: input.externalId,
        status: 'pending',
        claimedAt: input.now,
        leaseEndsAt,
        createdAt: input.now,
      })
      .onConflictDoNothing()
      .returning({ externalId: timeoffExternalIds.externalId });
    if (inserted.length > 0) return { state: 'claimed', claimedAt: input.now, resumed: false };

    const takenOver = await db
      .update(timeoffExternalIds)
      .set({ claimedAt: input.now, leaseEndsAt })
      .where(
        and(
          whereRef(input),
          eq(timeoffExternalIds.status, 'pending'),
          lte(timeoffExternalIds.leaseEndsAt, input.now),
        ),
      )
      .returning({ externalId: timeoffExternalIds.externalId });
    if (takenOver.length > 0) return { state: 'claimed', claimedAt: input.now, resumed: true };

    const [row] = await db.select().from(timeoffExternalIds).where(whereRef(input));
    if (!row) continue;
    if (row.status === 'created' && row.timeoffRequestId) {
      return { state: 'created', timeoffRequestId: row.timeoffRequestId };
    }
    if (row.status === 'pending' && row.leaseEndsAt > input.now) {
      return { state: 'pending', leaseEndsAt: row.leaseEndsAt };
    }
  }
  return { state: 'pending', leaseEndsAt: input.now };
}

/** The absence an external id pointed at is gone: the id is free, and this create claims it (unless another did). */
export async function reclaimExternalId(
  db: Database,
  input: ExternalIdRef & { timeoffRequestId: string; now: Date; leaseMs: number },
): Promise<Date | null> {
  const rows = await db
    .update(timeoffExternalIds)
    .set({
      status: 'pending',
      timeoffRequestId: null,
      claimedAt: input.now,
      leaseEndsAt: new Date(input.now.getTime() + input.leaseMs),
    })
    .where(
      and(
        whereRef(input),
        eq(timeoffExternalIds.status, 'created'),
        eq(timeoffExternalIds.timeoffRequestId, input.timeoffRequestId),
      ),
    )
    .returning({ externalId: timeoffExternalIds.externalId });
  return rows.length > 0 ? input.now : null;
}

export async function renewExternalIdLease(
  db: Database,
  input: ExternalIdRef & { claimedAt: Date; leaseEndsAt: Date },
): Promise<void> {
  await db
    .update(timeoffExternalIds)
    .set({ leaseEndsAt: input.leaseEndsAt })
    .where(whereHeld(input, input.claimedAt));
}

/** The create succeeded: the id now names that absence. */
export async function completeExternalId(
  db: Database,
  input: ExternalIdRef & { claimedAt: Date; timeoffRequestId: string },
): Promise<void> {
  await db
    .update(timeoffExternalIds)
    .set({ status: 'created', timeoffRequestId: input.timeoffRequestId })
    .where(whereHeld(input, input.claimedAt));
}

/** The create failed without writing: the id is free again. */
export async function releaseExternalId(
  db: Database,
  input: ExternalIdRef & { claimedAt: Date },
): Promise<void> {
  await db.delete(timeoffExternalIds).where(whereHeld(input, input.claimedAt));
}

/** The create's outcome is unknown: end its lease now, so the next create of the id looks before writing. */
export async function abandonExternalId(
  db: Database,
  input: ExternalIdRef & { claimedAt: Date; now: Date },
): Promise<void> {
  await db
    .update(timeoffExternalIds)
    .set({ leaseEndsAt: input.now })
    .where(whereHeld(input, input.claimedAt));
}

/** The request an external id names, if it was created. */
export async function findTimeoffRequestByExternalId(
  db: Database,
  ref: ExternalIdRef,
): Promise<string | null> {
  const [row] = await db
    .select({ timeoffRequestId: timeoffExternalIds.timeoffRequestId })
    .from(timeoffExternalIds)
    .where(and(whereRef(ref), eq(timeoffExternalIds.status, 'created')));
  return row?.timeoffRequestId ?? null;
}

/** External ids of the given requests of one linked account, by request id. */
export async function externalIdsOfTimeoffRequests(
  db: Database,
  input: { environmentId: string; linkedAccountId: string; timeoffRequestIds: string[] },
): Promise<Map<string, string>> {
  if (input.timeoffRequestIds.length === 0) return new Map();
  const rows = await db
    .select({
      externalId: timeoffExternalIds.externalId,
      timeoffRequestId: timeoffExternalIds.timeoffRequestId,
    })
    .from(timeoffExternalIds)
    .where(
      and(
        eq(timeoffExternalIds.environmentId, input.environmentId),
        eq(timeoffExternalIds.linkedAccountId, input.linkedAccountId),
        eq(timeoffExternalIds.status, 'created'),
        inArray(timeoffExternalIds.timeoffRequestId, input.timeoffRequestIds),
      ),
    );
  return new Map(rows.map((row) => [row.timeoffRequestId!, row.externalId]));
}

/** The absence was deleted: its external id may be used again. */
export async function forgetTimeoffRequestExternalId(
  db: Database,
  input: { environmentId: string; linkedAccountId: string; timeoffRequestId: string },
): Promise<void> {
  await db
    .delete(timeoffExternalIds)
    .where(
      and(
        eq(timeoffExternalIds.environmentId, input.environmentId),
        eq(timeoffExternalIds.linkedAccountId, input.linkedAccountId),
        eq(timeoffExternalIds.status, 'created'),
        eq(timeoffExternalIds.timeoffRequestId, input.timeoffRequestId),
      ),
    );
}
