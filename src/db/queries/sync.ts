import { and, desc, eq, inArray, isNull, lt, notInArray, or, sql } from 'drizzle-orm';
import { randomBase62 } from '../../crypto/random';
import type { Database } from '../client';
import {
  type LinkedAccount,
  linkedAccounts,
  type SyncCounts,
  type SyncedKind,
  type SyncedRecord,
  type SyncPass,
  type SyncPosition,
  type SyncState,
  syncedRecords,
  syncPasses,
  syncStates,
} from '../schema';

/** A linked account, named with its environment so every query stays inside the tenant. */
export interface AccountRef {
  environmentId: string;
  linkedAccountId: string;
}

const stateOf = (ref: AccountRef) =>
  and(eq(syncStates.environmentId, ref.environmentId), eq(syncStates.linkedAccountId, ref.linkedAccountId));

export async function ensureSyncState(db: Database, ref: AccountRef): Promise<void> {
  await db
    .insert(syncStates)
    .values({ environmentId: ref.environmentId, linkedAccountId: ref.linkedAccountId })
    .onConflictDoNothing();
}

export async function getSyncState(db: Database, ref: AccountRef): Promise<SyncState | undefined> {
  const [state] = await db.select().from(syncStates).where(stateOf(ref)).limit(1);
  return state;
}

/** Asks for a pass that starts after now (database time); the lease holder runs one more when it sees this. */
export async function requestSyncPass(db: Database, ref: AccountRef): Promise<Date> {
  await ensureSyncState(db, ref);
  const [state] = await db
    .update(syncStates)
    .set({ requestedAt: sql`now()` })
    .where(stateOf(ref))
    .returning({ requestedAt: syncStates.requestedAt });
  return state!.requestedAt!;
}

/** Takes the account's pass lease when it is free, expired, or already ours. */
export async function acquireSyncLease(
  db: Database,
  input: AccountRef & { owner: string; ttlMs: number },
): Promise<SyncState | undefined> {
  const [state] = await db
    .update(syncStates)
    .set({ leaseOwner: input.owner, leaseUntil: sql`now() + ${`${input.ttlMs} milliseconds`}::interval` })
    .where(
      and(
        stateOf(input),
        or(
          isNull(syncStates.leaseOwner),
          lt(syncStates.leaseUntil, sql`now()`),
          eq(syncStates.leaseOwner, input.owner),
        ),
      ),
    )
    .returning();
  return state;
}

/** Extends our lease; false when another process has taken it (ours expired). */
export async function renewSyncLease(
  db: Database,
  input: AccountRef & { owner: string; ttlMs: number },
): Promise<boolean> {
  const rows = await db
    .update(syncStates)
    .set({ leaseUntil: sql`now() + ${`${input.ttlMs} milliseconds`}::interval` })
    .where(and(stateOf(input), eq(syncStates.leaseOwner, input.owner)))
    .returning({ owner: syncStates.leaseOwner });
  return rows.length > 0;
}

/**
 * Gives the lease up unless a pass was requested after the one just run started: then the holder keeps it
 * and runs again ('again'). 'lost' when another process holds it.
 */
export async function releaseSyncLease(
  db: Database,
  input: AccountRef & { owner: string; force?: boolean },
): Promise<'released' | 'again' | 'lost'> {
  const released = await db
    .update(syncStates)
    .set({ leaseOwner: null, leaseUntil: null, currentPassId: null })
    .where(
      and(
        stateOf(input),
        eq(syncStates.leaseOwner, input.owner),
        // Compared in the database: microseconds matter when a request lands just after a pass began.
        input.force
          ? undefined
          : or(
              isNull(syncStates.requestedAt),
              sql`${syncStates.requestedAt} <= ${syncStates.lastPassStartedAt}`,
            ),
      ),
    )
    .returning({ id: syncStates.linkedAccountId });
  if (released.length > 0) return 'released';
  const state = await getSyncState(db, input);
  return state?.leaseOwner === input.owner ? 'again' : 'lost';
}

/**
 * Gives the lease up but leaves the pass running (a stopping process): the next job to take the lease resumes
 * that pass at its saved position instead of waiting for the lease to run out.
 */
export async function handOverSyncLease(db: Database, input: AccountRef & { owner: string }): Promise<void> {
  await db
    .update(syncStates)
    .set({ leaseOwner: null, leaseUntil: null })
    .where(and(stateOf(input), eq(syncStates.leaseOwner, input.owner)));
}

export function emptyCounts(): SyncCounts {
  return { upstream_pages: 0, records_seen: 0, created: 0, updated: 0, deleted: 0, events: 0 };
}

/** The pass a dead lease holder left running: the next holder resumes it. */
export async function runningPassOf(db: Database, ref: AccountRef): Promise<SyncPass | undefined> {
  const state = await getSyncState(db, ref);
  if (!state?.currentPassId) return undefined;
  const [pass] = await db
    .select()
    .from(syncPasses)
    .where(
      and(
        eq(syncPasses.environmentId, ref.environmentId),
        eq(syncPasses.id, state.currentPassId),
        eq(syncPasses.status, 'running'),
      ),
    )
    .limit(1);
  return pass;
}

/** Starts a pass (database time) and records it as the lease holder's current one. */
export async function createSyncPass(
  db: Database,
  input: AccountRef & {
    owner: string;
    trigger: 'schedule' | 'manual';
    mode: 'full' | 'incremental';
    position: SyncPosition;
  },
): Promise<SyncPass> {
  return db.transaction(async (tx) => {
    const completed = await lastCompletedPass(tx as unknown as Database, input);
    const [pass] = await tx
      .insert(syncPasses)
      .values({
        id: `sp_${randomBase62(22)}`,
        environmentId: input.environmentId,
        linkedAccountId: input.linkedAccountId,
        initial: !completed,
        trigger: input.trigger,
        // The first pass is always a full one: there is nothing to be incremental to.
        mode: completed ? input.mode : 'full',
        counts: emptyCounts(),
        position: input.position,
      })
      .returning();
    await tx
      .update(syncStates)
      .set({
        currentPassId: pass!.id,
        lastPassStartedAt: sql`(select ${syncPasses.startedAt} from ${syncPasses} where ${syncPasses.id} = ${pass!.id})`,
      })
      .where(and(stateOf(input), eq(syncStates.leaseOwner, input.owner)));
    return pass!;
  });
}

export async function saveSyncProgress(
  tx: Database,
  input: AccountRef & { passId: string; position: SyncPosition; counts: SyncCounts },
): Promise<void> {
  await tx
    .update(syncPasses)
    .set({ position: input.position, counts: input.counts })
    .where(and(eq(syncPasses.environmentId, input.environmentId), eq(syncPasses.id, input.passId)));
}

export async function finishSyncPass(
  tx: Database,
  input: AccountRef & { passId: string; status: 'completed' | 'failed'; counts: SyncCounts; error?: string },
): Promise<SyncPass> {
  const [pass] = await tx
    .update(syncPasses)
    .set({ status: input.status, counts: input.counts, error: input.error ?? null, finishedAt: sql`now()` })
    .where(and(eq(syncPasses.environmentId, input.environmentId), eq(syncPasses.id, input.passId)))
    .returning();
  if (input.status === 'completed') {
    await tx.update(syncStates).set({ lastCompletedAt: pass!.finishedAt }).where(stateOf(input));
  }
  return pass!;
}

/**
 * The account's newest completed pass, by start: when it started (every change made before is in the copy, which
 * is what `X-Roster-Data-As-Of` promises) and its time-off window.
 */
export async function lastCompletedPass(
  db: Database,
  ref: AccountRef,
): Promise<{ window: { start: string; end: string } | undefined; startedAt: Date } | undefined> {
  const [pass] = await db
    .select({ position: syncPasses.position, startedAt: syncPasses.startedAt })
    .from(syncPasses)
    .where(
      and(
        eq(syncPasses.environmentId, ref.environmentId),
        eq(syncPasses.linkedAccountId, ref.linkedAccountId),
        eq(syncPasses.status, 'completed'),
      ),
    )
    .orderBy(desc(syncPasses.startedAt))
    .limit(1);
  return pass ? { window: pass.position?.window, startedAt: pass.startedAt } : undefined;
}

export async function getSyncPass(
  db: Database,
  input: { environmentId: string; id: string },
): Promise<SyncPass | undefined> {
  const [pass] = await db
    .select()
    .from(syncPasses)
    .where(and(eq(syncPasses.environmentId, input.environmentId), eq(syncPasses.id, input.id)))
    .limit(1);
  return pass;
}

/** The newest passes of an account, newest first. */
export async function recentSyncPasses(db: Database, ref: AccountRef, limit = 10): Promise<SyncPass[]> {
  return db
    .select()
    .from(syncPasses)
    .where(
      and(
        eq(syncPasses.environmentId, ref.environmentId),
        eq(syncPasses.linkedAccountId, ref.linkedAccountId),
      ),
    )
    .orderBy(desc(syncPasses.startedAt))
    .limit(limit);
}

/** The newest completed pass, and the newest completed full one. */
export async function lastCompletedPasses(
  db: Database,
  ref: AccountRef,
): Promise<{ last: SyncPass | undefined; lastFull: SyncPass | undefined }> {
  const completed = and(
    eq(syncPasses.environmentId, ref.environmentId),
    eq(syncPasses.linkedAccountId, ref.linkedAccountId),
    eq(syncPasses.status, 'completed'),
  );
  const [last] = await db
    .select()
    .from(syncPasses)
    .where(completed)
    .orderBy(desc(syncPasses.startedAt))
    .limit(1);
  const [lastFull] = await db
    .select()
    .from(syncPasses)
    .where(and(completed, eq(syncPasses.mode, 'full')))
    .orderBy(desc(syncPasses.startedAt))
    .limit(1);
  return { last, lastFull };
}

/** Has a pass started since the latest request (so it sees every change made before that request)? */
export async function latestRequestCovered(db: Database, ref: AccountRef): Promise<boolean> {
  const [row] = await db
    .select({
      covered: sql<boolean>`${syncStates.requestedAt} is null or ${syncStates.lastPassStartedAt} >= ${syncStates.requestedAt}`,
    })
    .from(syncStates)
    .where(stateOf(ref));
  return row?.covered === true;
}

const recordsOf = (ref: AccountRef, kind: SyncedKind) =>
  and(
    eq(syncedRecords.environmentId, ref.environmentId),
    eq(syncedRecords.linkedAccountId, ref.linkedAccountId),
    eq(syncedRecords.kind, kind),
  );

export async function loadSyncedRecords(
  tx: Database,
  input: AccountRef & { kind: SyncedKind; remoteIds: string[] },
): Promise<Map<string, SyncedRecord>> {
  if (input.remoteIds.length === 0) return new Map();
  const rows = await tx
    .select()
    .from(syncedRecords)
    .where(and(recordsOf(input, input.kind), inArray(syncedRecords.remoteId, input.remoteIds)));
  return new Map(rows.map((row) => [row.remoteId, row]));
}

/** Inserts a record new to the copy; false when another writer inserted it first. */
export async function insertSyncedRecord(
  tx: Database,
  input: AccountRef & {
    kind: SyncedKind;
    remoteId: string;
    data: Record<string, unknown>;
    contentHash: string;
  },
): Promise<boolean> {
  const rows = await tx
    .insert(syncedRecords)
    .values({
      environmentId: input.environmentId,
      linkedAccountId: input.linkedAccountId,
      kind: input.kind,
      remoteId: input.remoteId,
      data: input.data,
      contentHash: input.contentHash,
      firstSeenAt: sql`now()`,
      lastSeenAt: sql`now()`,
    })
    .onConflictDoNothing()
    .returning({ remoteId: syncedRecords.remoteId });
  return rows.length > 0;
}

/**
 * Compare-and-set: replaces the record only while it still holds what this writer read (hash and
 * tombstone). False when another writer changed it in between, so only one of them emits the change.
 */
export async function replaceSyncedRecord(
  tx: Database,
  input: AccountRef & {
    kind: SyncedKind;
    remoteId: string;
    data: Record<string, unknown>;
    contentHash: string;
    expected: Pick<SyncedRecord, 'contentHash' | 'remoteDeletedAt' | 'data'>;
  },
): Promise<boolean> {
  const rows = await tx
    .update(syncedRecords)
    .set({ data: input.data, contentHash: input.contentHash, lastSeenAt: sql`now()`, remoteDeletedAt: null })
    .where(
      and(
        recordsOf(input, input.kind),
        eq(syncedRecords.remoteId, input.remoteId),
        eq(syncedRecords.contentHash, input.expected.contentHash),
        input.expected.remoteDeletedAt === null
          ? isNull(syncedRecords.remoteDeletedAt)
          : sql`${syncedRecords.remoteDeletedAt} is not null`,
        // A volatile-only change (same hash) must not be written twice either.
        sql`${syncedRecords.data} = ${JSON.stringify(input.expected.data)}::jsonb`,
      ),
    )
    .returning({ remoteId: syncedRecords.remoteId });
  return rows.length > 0;
}

/** Marks unchanged records as seen by this pass. */
export async function touchSyncedRecords(
  tx: Database,
  input: AccountRef & { kind: SyncedKind; remoteIds: string[] },
): Promise<void> {
  if (input.remoteIds.length === 0) return;
  await tx
    .update(syncedRecords)
    .set({ lastSeenAt: sql`now()` })
    .where(
      and(
        recordsOf(input, input.kind),
        inArray(syncedRecords.remoteId, input.remoteIds),
        isNull(syncedRecords.remoteDeletedAt),
      ),
    );
}

/** Live records of this kind that the pass did not see (last seen before it started). */
function unseenBy(
  input: AccountRef & {
    kind: SyncedKind;
    passId: string;
    window?: { start: string; end: string } | undefined;
  },
) {
  const { window } = input;
  return and(
    recordsOf(input, input.kind),
    isNull(syncedRecords.remoteDeletedAt),
    lt(
      syncedRecords.lastSeenAt,
      sql`(select ${syncPasses.startedAt} from ${syncPasses} where ${syncPasses.id} = ${input.passId})`,
    ),
    // Time-off requests count only while they still overlap the window walked: one that merely left the
    // window was not deleted.
    window
      ? sql`(${syncedRecords.data}->>'end_date' is null or ${syncedRecords.data}->>'end_date' >= ${window.start}) and ${syncedRecords.data}->>'start_date' <= ${window.end}`
      : undefined,
  );
}

/** After a complete walk: the records it did not see, candidates for deletion (at most `limit`). */
export async function listUnseen(
  db: Database,
  input: AccountRef & {
    kind: SyncedKind;
    passId: string;
    window?: { start: string; end: string } | undefined;
    limit: number;
  },
): Promise<SyncedRecord[]> {
  return db
    .select()
    .from(syncedRecords)
    .where(unseenBy(input))
    .orderBy(syncedRecords.remoteId)
    .limit(input.limit);
}

/** Tombstones these records, still only while no pass has seen them since this one started. */
export async function tombstoneUnseen(
  tx: Database,
  input: AccountRef & {
    kind: SyncedKind;
    passId: string;
    window?: { start: string; end: string } | undefined;
    remoteIds: string[];
  },
): Promise<SyncedRecord[]> {
  if (input.remoteIds.length === 0) return [];
  return tx
    .update(syncedRecords)
    .set({ remoteDeletedAt: sql`now()` })
    .where(and(unseenBy(input), inArray(syncedRecords.remoteId, input.remoteIds)))
    .returning();
}

/**
 * Every live linked account with its sync state, across environments: only the job scheduler reads this
 * (it is not a tenant's request), to keep one schedule per account.
 */
export async function listAccountsForScheduling(
  db: Database,
): Promise<{ linkedAccount: LinkedAccount; state: SyncState | null }[]> {
  return db
    .select({ linkedAccount: linkedAccounts, state: syncStates })
    .from(linkedAccounts)
    .leftJoin(syncStates, eq(syncStates.linkedAccountId, linkedAccounts.id))
    .where(isNull(linkedAccounts.deletedAt));
}

/** Marks one record deleted upstream; returns it when it was live (so exactly one writer emits its event). */
export async function tombstoneRecord(
  tx: Database,
  input: AccountRef & { kind: SyncedKind; remoteId: string },
): Promise<SyncedRecord | undefined> {
  const [row] = await tx
    .update(syncedRecords)
    .set({ remoteDeletedAt: sql`now()` })
    .where(
      and(
        recordsOf(input, input.kind),
        eq(syncedRecords.remoteId, input.remoteId),
        isNull(syncedRecords.remoteDeletedAt),
      ),
    )
    .returning();
  return row;
}

/** The database's clock, which `last_seen_at` is written with, to the microsecond (as text). */
export async function databaseNow(db: Database): Promise<string> {
  // A select, not execute(): the two drivers shape execute()'s rows differently.
  const [row] = await db
    .select({ now: sql<string>`to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')` })
    .from(sql`(select 1) as one`);
  return row!.now;
}

/** One employee's live time-off records overlapping `window`, not in `keep`, last seen before `seenBefore`. */
function employeeTimeoffsUnseen(
  input: AccountRef & {
    employeeId: string;
    window: { start: string; end: string };
    keep: string[];
    /** From `databaseNow`. */
    seenBefore: string;
  },
) {
  const { window } = input;
  return and(
    recordsOf(input, 'timeoff_request'),
    isNull(syncedRecords.remoteDeletedAt),
    sql`${syncedRecords.data}->'employee'->>'id' = ${input.employeeId}`,
    sql`(${syncedRecords.data}->>'end_date' is null or ${syncedRecords.data}->>'end_date' >= ${window.start}) and ${syncedRecords.data}->>'start_date' <= ${window.end}`,
    sql`${syncedRecords.lastSeenAt} < ${input.seenBefore}::timestamptz`,
    input.keep.length > 0 ? notInArray(syncedRecords.remoteId, input.keep) : undefined,
  );
}

/**
 * After one employee's time-off requests in `window` were read again: that employee's live records in the
 * window the read did not return (`keep`) and no other writer saw since it began (`seenBefore`, database
 * time), at most `limit`: candidates for deletion.
 */
export async function listEmployeeTimeoffsUnseen(
  db: Database,
  input: Parameters<typeof employeeTimeoffsUnseen>[0] & { limit: number },
): Promise<SyncedRecord[]> {
  return db
    .select()
    .from(syncedRecords)
    .where(employeeTimeoffsUnseen(input))
    .orderBy(syncedRecords.remoteId)
    .limit(input.limit);
}

/** Tombstones those of `remoteIds` that are still such candidates; returns them. */
export async function tombstoneEmployeeTimeoffsUnseen(
  tx: Database,
  input: Parameters<typeof employeeTimeoffsUnseen>[0] & { remoteIds: string[] },
): Promise<SyncedRecord[]> {
  if (input.remoteIds.length === 0) return [];
  return tx
    .update(syncedRecords)
    .set({ remoteDeletedAt: sql`now()` })
    .where(and(employeeTimeoffsUnseen(input), inArray(syncedRecords.remoteId, input.remoteIds)))
    .returning();
}
