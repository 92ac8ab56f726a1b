import { and, eq, lt, lte, or } from 'drizzle-orm';
import type { Database } from '../client';
import { idempotencyRecords } from '../schema';

export interface IdempotencyKeyRef {
  environmentId: string;
  /** The linked account, or '' for writes that concern none. */
  scope: string;
  key: string;
  /** Fingerprint of the request (method, path, canonical body). */
  requestHash: string;
}

export type ClaimOutcome =
  | { state: 'claimed' }
  | { state: 'in_progress' }
  | { state: 'mismatch' }
  | { state: 'completed'; status: number; body: unknown };

const whereKey = (ref: Omit<IdempotencyKeyRef, 'requestHash'>) =>
  and(
    eq(idempotencyRecords.environmentId, ref.environmentId),
    eq(idempotencyRecords.scope, ref.scope),
    eq(idempotencyRecords.key, ref.key),
  );

/**
 * Claims a key for one request: inserts an `in_progress` record unless one exists. An expired record, or
 * one left `in_progress` longer than `leaseMs` by a process that died (same request only), is taken over.
 * Otherwise the existing record decides: another request → mismatch; still running → in_progress;
 * finished → its stored response.
 */
export async function claimIdempotencyKey(
  db: Database,
  input: IdempotencyKeyRef & { now: Date; ttlMs: number; leaseMs: number },
): Promise<ClaimOutcome> {
  const expiresAt = new Date(input.now.getTime() + input.ttlMs);
  const fresh = {
    requestHash: input.requestHash,
    status: 'in_progress' as const,
    responseStatus: null,
    responseBody: null,
    createdAt: input.now,
    expiresAt,
  };
  // A record can vanish between the statements below (released by a failing request); try again then.
  for (let attempt = 0; attempt < 3; attempt++) {
    const inserted = await db
      .insert(idempotencyRecords)
      .values({ environmentId: input.environmentId, scope: input.scope, key: input.key, ...fresh })
      .onConflictDoNothing()
      .returning({ key: idempotencyRecords.key });
    if (inserted.length > 0) return { state: 'claimed' };

    const abandonedBefore = new Date(input.now.getTime() - input.leaseMs);
    const takenOver = await db
      .update(idempotencyRecords)
      .set(fresh)
      .where(
        and(
          whereKey(input),
          or(
            lte(idempotencyRecords.expiresAt, input.now),
            and(
              eq(idempotencyRecords.status, 'in_progress'),
              eq(idempotencyRecords.requestHash, input.requestHash),
              lt(idempotencyRecords.createdAt, abandonedBefore),
            ),
          ),
        ),
      )
      .returning({ key: idempotencyRecords.key });
    if (takenOver.length > 0) return { state: 'claimed' };

    const [record] = await db.select().from(idempotencyRecords).where(whereKey(input)).limit(1);
    if (!record) continue;
    if (record.requestHash !== input.requestHash) return { state: 'mismatch' };
    if (record.status === 'in_progress') return { state: 'in_progress' };
    return { state: 'completed', status: record.responseStatus ?? 200, body: record.responseBody };
  }
  return { state: 'in_progress' };
}

/** Stores the response of the request that holds the claim. */
export async function completeIdempotencyKey(
  db: Database,
  input: IdempotencyKeyRef & { status: number; body: unknown },
): Promise<void> {
  await db
    .update(idempotencyRecords)
    .set({ status: 'completed', responseStatus: input.status, responseBody: input.body })
    .where(
      and(
        whereKey(input),
        eq(idempotencyRecords.requestHash, input.requestHash),
        eq(idempotencyRecords.status, 'in_progress'),
      ),
    );
}

/** Gives the key back after a failed request, so the client may retry with it. */
export async function releaseIdempotencyKey(db: Database, input: IdempotencyKeyRef): Promise<void> {
  await db
    .delete(idempotencyRecords)
    .where(
      and(
        whereKey(input),
        eq(idempotencyRecords.requestHash, input.requestHash),
        eq(idempotencyRecords.status, 'in_progress'),
      ),
    );
}

/** Removes the environment's expired records (called after writes, so the table does not grow forever). */
export async function deleteExpiredIdempotencyRecords(
  db: Database,
  input: { environmentId: string; now: Date },
): Promise<void> {
  await db
    .delete(idempotencyRecords)
    .where(
      and(
        eq(idempotencyRecords.environmentId, input.environmentId),
        lte(idempotencyRecords.expiresAt, input.now),
      ),
    );
}
