import { and, eq, lte, or } from 'drizzle-orm';
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

/** One claim of a key: `claimedAt` is stored as the record's `created_at` and fences out an older holder. */
export interface IdempotencyClaim extends IdempotencyKeyRef {
  claimedAt: Date;
}

export type ClaimOutcome =
  | {
      state: 'claimed';
      claimedAt: Date;
      /**
       * The key was held by a request whose process stopped without answering (its lease ran out): that
       * write may or may not have reached the provider.
       */
      resumed: boolean;
    }
  | { state: 'in_progress'; leaseEndsAt: Date }
  | { state: 'mismatch' }
  | { state: 'completed'; status: number; body: unknown };

const whereKey = (ref: Omit<IdempotencyKeyRef, 'requestHash'>) =>
  and(
    eq(idempotencyRecords.environmentId, ref.environmentId),
    eq(idempotencyRecords.scope, ref.scope),
    eq(idempotencyRecords.key, ref.key),
  );

/** The record still belongs to this claim (not finished, not taken over since). */
const whereHeld = (claim: IdempotencyClaim) =>
  and(
    whereKey(claim),
    eq(idempotencyRecords.requestHash, claim.requestHash),
    eq(idempotencyRecords.status, 'in_progress'),
    eq(idempotencyRecords.createdAt, claim.claimedAt),
  );

/**
 * Claims a key for one request: inserts an `in_progress` record unless one exists. While a request runs,
 * `expires_at` is the end of its lease, which the request renews (`renewIdempotencyLease`); a record whose
 * lease ran out belongs to a process that died and is taken over by the same request (`resumed`). A
 * finished record keeps `expires_at` at the end of its TTL, after which the key is free again, as is any
 * record claimed longer than the TTL ago. Otherwise the existing record decides: another request →
 * mismatch; still running → in_progress until its lease ends; finished → its stored response.
 */
export async function claimIdempotencyKey(
  db: Database,
  input: IdempotencyKeyRef & { now: Date; ttlMs: number; leaseMs: number },
): Promise<ClaimOutcome> {
  const fresh = {
    requestHash: input.requestHash,
    status: 'in_progress' as const,
    responseStatus: null,
    responseBody: null,
    createdAt: input.now,
    expiresAt: new Date(input.now.getTime() + input.leaseMs),
  };
  const forgottenBefore = new Date(input.now.getTime() - input.ttlMs);
  // A record can vanish between the statements below (released by a failing request); try again then.
  for (let attempt = 0; attempt < 3; attempt++) {
    const inserted = await db
      .insert(idempotencyRecords)
      .values({ environmentId: input.environmentId, scope: input.scope, key: input.key, ...fresh })
      .onConflictDoNothing()
      .returning({ key: idempotencyRecords.key });
    if (inserted.length > 0) return { state: 'claimed', claimedAt: input.now, resumed: false };

    const abandoned = await db
      .update(idempotencyRecords)
      .set(fresh)
      .where(
        and(
          whereKey(input),
          eq(idempotencyRecords.status, 'in_progress'),
          eq(idempotencyRecords.requestHash, input.requestHash),
          lte(idempotencyRecords.expiresAt, input.now),
        ),
      )
      .returning({ key: idempotencyRecords.key });
    if (abandoned.length > 0) return { state: 'claimed', claimedAt: input.now, resumed: true };

    const forgotten = await db
      .update(idempotencyRecords)
      .set(fresh)
      .where(
        and(
          whereKey(input),
          or(
            and(eq(idempotencyRecords.status, 'completed'), lte(idempotencyRecords.expiresAt, input.now)),
            lte(idempotencyRecords.createdAt, forgottenBefore),
          ),
        ),
      )
      .returning({ key: idempotencyRecords.key });
    if (forgotten.length > 0) return { state: 'claimed', claimedAt: input.now, resumed: false };

    const [record] = await db.select().from(idempotencyRecords).where(whereKey(input)).limit(1);
    if (!record) continue;
    if (record.requestHash !== input.requestHash) return { state: 'mismatch' };
    if (record.status === 'in_progress') return { state: 'in_progress', leaseEndsAt: record.expiresAt };
    return { state: 'completed', status: record.responseStatus ?? 200, body: record.responseBody };
  }
  return { state: 'in_progress', leaseEndsAt: fresh.expiresAt };
}

/** Extends the lease of a running request; false when the record is no longer this claim's. */
export async function renewIdempotencyLease(
  db: Database,
  claim: IdempotencyClaim & { leaseEndsAt: Date },
): Promise<boolean> {
  const renewed = await db
    .update(idempotencyRecords)
    .set({ expiresAt: claim.leaseEndsAt })
    .where(whereHeld(claim))
    .returning({ key: idempotencyRecords.key });
  return renewed.length > 0;
}

/** Stores the response of the request that holds the claim; the key is then kept until `expiresAt`. */
export async function completeIdempotencyKey(
  db: Database,
  input: IdempotencyClaim & { status: number; body: unknown; expiresAt: Date },
): Promise<void> {
  await db
    .update(idempotencyRecords)
    .set({
      status: 'completed',
      responseStatus: input.status,
      responseBody: input.body,
      expiresAt: input.expiresAt,
    })
    .where(whereHeld(input));
}

/** Gives the key back after a failed request, so the client may retry with it. */
export async function releaseIdempotencyKey(db: Database, claim: IdempotencyClaim): Promise<void> {
  await db.delete(idempotencyRecords).where(whereHeld(claim));
}

/**
 * Removes the environment's expired records: finished ones past their TTL, and any claimed longer than the
 * TTL ago (called after writes, so the table does not grow forever).
 */
export async function deleteExpiredIdempotencyRecords(
  db: Database,
  input: { environmentId: string; now: Date; ttlMs: number },
): Promise<void> {
  await db
    .delete(idempotencyRecords)
    .where(
      and(
        eq(idempotencyRecords.environmentId, input.environmentId),
        or(
          and(eq(idempotencyRecords.status, 'completed'), lte(idempotencyRecords.expiresAt, input.now)),
          lte(idempotencyRecords.createdAt, new Date(input.now.getTime() - input.ttlMs)),
        ),
      ),
    );
}
