import { sha256Hex } from '../crypto/encoding';
import type { Database } from '../db/client';
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  deleteExpiredIdempotencyRecords,
  type IdempotencyClaim,
  releaseIdempotencyKey,
  renewIdempotencyLease,
} from '../db/queries/idempotency';
import { ApiError, ERROR_CODES, type ErrorCode } from '../errors';

/**
 * `Idempotency-Key` for writes, independent of what is written. The first request with a key runs and its
 * successful response is stored; a replay (same key, same method, path and body) gets that response without
 * running again; the same key with another request is a conflict, and so is a duplicate that arrives while
 * the first still runs. A request that failed without writing releases the key so the client may retry
 * with it; one whose outcome is unknown (timeout, 502/504) keeps that failure as the key's answer.
 *
 * A running request holds the key on a short lease that it renews while it runs, so when its process dies
 * (killed, crashed) a retry of the same request takes the key over within a lease, knowing only that the
 * first write may or may not have happened.
 */

/** How long a key is remembered. */
export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;
/** A running request's hold on its key; a record not renewed for this long belongs to a process that died. */
export const IDEMPOTENCY_LEASE_MS = 20_000;
/** How often a running request renews its lease: several renewals may fail or run late within one lease. */
export const IDEMPOTENCY_HEARTBEAT_MS = 5_000;

/** Printable ASCII without spaces, as Stripe-style clients send (UUIDs, ULIDs, hashes). */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export interface IdempotentRequest {
  environmentId: string;
  /** Who the write concerns (the linked account), so one key means one thing per account. */
  scope: string;
  key: string;
  method: string;
  /** The path (with the query string when it matters to the write). */
  path: string;
  /** The request body as parsed; fingerprinted as canonical JSON, so key order and spacing do not matter. */
  body: unknown;
  now: Date;
}

export interface StoredResponse {
  status: number;
  body: unknown;
}

export interface IdempotentRun {
  /**
   * The key was taken over from a request whose process stopped before it answered: that write may or may
   * not have happened, so look for its result before writing again.
   */
  resumed: boolean;
}

export interface IdempotencyOptions {
  /**
   * `resume` (default): a taken-over key runs `execute` with `resumed: true`. `refuse`: for writes whose
   * result cannot be looked up (the proxy), the key answers `409` saying the outcome is unknown, and keeps
   * that answer.
   */
  onAbandoned?: 'resume' | 'refuse';
}

/**
 * A write with an optional `Idempotency-Key`: under `withIdempotency` when the caller sent one, else run once.
 */
export function maybeIdempotent(
  db: Database,
  request: Omit<IdempotentRequest, 'key'> & { key: string | undefined },
  execute: (run: IdempotentRun) => Promise<StoredResponse>,
  options: IdempotencyOptions = {},
): Promise<{ response: StoredResponse; replayed: boolean }> {
  const { key } = request;
  if (key === undefined)
    return execute({ resumed: false }).then((response) => ({ response, replayed: false }));
  return withIdempotency(db, { ...request, key }, execute, options);
}

export async function withIdempotency(
  db: Database,
  request: IdempotentRequest,
  execute: (run: IdempotentRun) => Promise<StoredResponse>,
  options: IdempotencyOptions = {},
): Promise<{ response: StoredResponse; replayed: boolean }> {
  const requestHash = await requestFingerprint(request.method, request.path, request.body);
  const ref = { environmentId: request.environmentId, scope: request.scope, key: request.key, requestHash };
  const claim = await claimIdempotencyKey(db, {
    ...ref,
    now: request.now,
    ttlMs: IDEMPOTENCY_TTL_MS,
    leaseMs: IDEMPOTENCY_LEASE_MS,
  });
  if (claim.state === 'completed') {
    const error = replayedError(claim.status, claim.body);
    if (error) throw error;
    return { response: { status: claim.status, body: claim.body }, replayed: true };
  }
  if (claim.state === 'mismatch') {
    throw new ApiError(
      'conflict',
      'This Idempotency-Key was already used with a different request; use a new key for a new request.',
      { details: [{ field: 'Idempotency-Key', message: 'used with another method, path or body' }] },
    );
  }
  if (claim.state === 'in_progress') {
    // By then the first request has answered, or its lease has run out and a retry takes the key over.
    const seconds = Math.ceil((claim.leaseEndsAt.getTime() - request.now.getTime()) / 1000);
    const retryAfter = Math.min(Math.max(seconds, 1), IDEMPOTENCY_LEASE_MS / 1000);
    throw new ApiError(
      'conflict',
      `A request with this Idempotency-Key is still in progress; retry in ${retryAfter} s.`,
      {
        details: [{ field: 'Idempotency-Key', message: 'in progress' }],
        headers: { 'Retry-After': String(retryAfter) },
      },
    );
  }

  const held: IdempotencyClaim = { ...ref, claimedAt: claim.claimedAt };
  const expiresAt = new Date(claim.claimedAt.getTime() + IDEMPOTENCY_TTL_MS);
  if (claim.resumed && options.onAbandoned === 'refuse') {
    const error = new ApiError(
      'conflict',
      'The first request with this Idempotency-Key was sent, but the gateway handling it stopped before ' +
        'Personio answered, so whether the write happened is unknown. Check in Personio, then use a new key.',
      { details: [{ field: 'Idempotency-Key', message: 'outcome unknown' }] },
    );
    await completeIdempotencyKey(db, { ...held, ...errorAnswer(error), expiresAt });
    throw error;
  }

  const stopHeartbeat = heartbeat(db, held, request.now);
  let response: StoredResponse;
  try {
    response = await execute({ resumed: claim.resumed });
  } catch (error) {
    stopHeartbeat();
    if (error instanceof ApiError && outcomeUnknown(error)) {
      // The write may have happened: keep the error as the key's answer, so a replay cannot write twice.
      await completeIdempotencyKey(db, { ...held, ...errorAnswer(error), expiresAt });
    } else {
      await releaseIdempotencyKey(db, held);
    }
    throw error;
  }
  stopHeartbeat();
  if (response.status >= 400 && !UNKNOWN_OUTCOME_STATUSES.has(response.status)) {
    await releaseIdempotencyKey(db, held);
    return { response, replayed: false };
  }
  await completeIdempotencyKey(db, { ...held, status: response.status, body: response.body, expiresAt });
  await deleteExpiredIdempotencyRecords(db, {
    environmentId: request.environmentId,
    now: request.now,
    ttlMs: IDEMPOTENCY_TTL_MS,
  });
  return { response, replayed: false };
}

/**
 * Renews the claim's lease every few seconds until stopped. Time runs on from the request's `now` (which
 * tests may fix), measured by this process's clock. A renewal that fails is retried at the next beat.
 */
function heartbeat(db: Database, claim: IdempotencyClaim, now: Date): () => void {
  const startedAt = Date.now();
  const timer = setInterval(() => {
    const leaseEndsAt = new Date(now.getTime() + (Date.now() - startedAt) + IDEMPOTENCY_LEASE_MS);
    renewIdempotencyLease(db, { ...claim, leaseEndsAt }).catch(() => {});
  }, IDEMPOTENCY_HEARTBEAT_MS);
  return () => clearInterval(timer);
}

function errorAnswer(error: ApiError): StoredResponse {
  return {
    status: error.status,
    body: { error: { code: error.code, message: error.message, details: error.details ?? null } },
  };
}

/** Upstream answers after which a write may or may not have been performed. */
const UNKNOWN_OUTCOME_STATUSES = new Set([500, 502, 504]);

/**
 * A failure that does not prove the write was not performed: a timeout, a lost connection, a 500/502/504,
 * or an unreadable answer to a request Personio accepted. Refusals (4xx, 429, 503) prove it was not.
 */
export function outcomeUnknown(error: ApiError): boolean {
  const status = (error.details as { upstream_status?: number } | undefined)?.upstream_status;
  if (error.code === 'provider_timeout') return true;
  if (error.code === 'provider_unavailable') return status === undefined;
  if (error.code === 'provider_error') {
    return status !== undefined && (status < 400 || UNKNOWN_OUTCOME_STATUSES.has(status));
  }
  return false;
}

/** A kept error answer, replayed as the same error. */
function replayedError(status: number, body: unknown): ApiError | null {
  if (status < 400 || typeof body !== 'object' || body === null || !('error' in body)) return null;
  const { code, message, details } = (
    body as { error: { code: ErrorCode; message: string; details: unknown } }
  ).error;
  if (!(code in ERROR_CODES)) return null;
  return new ApiError(code, message, {
    details: details ?? undefined,
    headers: { 'Idempotent-Replayed': 'true' },
  });
}

export async function requestFingerprint(method: string, path: string, body: unknown): Promise<string> {
  return sha256Hex(`${method.toUpperCase()}\n${path}\n${canonicalJson(body)}`);
}

/** JSON with object keys sorted at every level; `undefined` members are left out as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, member]) => member !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, member]) => `${JSON.stringify(key)}:${canonicalJson(member)}`).join(',')}}`;
}
