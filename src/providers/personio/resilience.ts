import type { Cache } from '../../cache/types';

/** How hard the client tries before giving up on one call. */
export interface RetryPolicy {
  /** Per-attempt timeout. */
  attemptTimeoutMs: number;
  /** Total time one call may take, waits and retries included. */
  budgetMs: number;
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);

/** Exponential backoff with full jitter (a random wait between 0 and the exponential cap). */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(random() * cap);
}

/** `Retry-After` in seconds or as an HTTP date, in milliseconds from now; null when absent or unreadable. */
export function retryAfterMs(headers: Headers, now: number = Date.now()): number | null {
  const value = headers.get('retry-after')?.trim();
  if (!value) return null;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/**
 * The upstream budget of one linked account, shared by every gateway process through the cache:
 * requests are spaced to `perSecond` with bursts of `burst` (GCRA). A caller over the budget waits
 * for its slot, so a burst queues instead of tripping Personio's cool-down.
 */
export class RateBudget {
  constructor(
    private readonly cache: Cache,
    private readonly perSecond: number,
    private readonly burst: number,
  ) {}

  /** Waits for a slot; resolves false, reserving nothing, when the wait would exceed `maxWaitMs`. */
  async acquire(
    accountKey: string,
    maxWaitMs: number,
  ): Promise<{ ok: true } | { ok: false; waitMs: number }> {
    const slot = await this.cache.reserveSlot(
      `personio:rate:${accountKey}`,
      1000 / this.perSecond,
      this.burst,
      Math.max(0, maxWaitMs),
    );
    if (!slot.reserved) return { ok: false, waitMs: slot.waitMs };
    if (slot.waitMs > 0) await sleep(slot.waitMs);
    return { ok: true };
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
