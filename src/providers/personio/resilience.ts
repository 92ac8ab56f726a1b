import type { Cache, SlotReservation } from '../../cache/types';
import { sleep } from '../../lib/sleep';
import { TtlCache } from '../../lib/ttl-cache';
import { type RequestTrace, traceRateLimitWait } from '../../observability/request-trace';

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

/** The most slots one process books in one round trip to the shared cache. */
const MAX_BOOKED_SLOTS = 64;
/**
 * Slots booked ahead and not used within this time are given up (the budget is spent, not exceeded). How
 * late a spare slot may be used does not widen what Personio can see: at most the spare slots a process
 * holds (a tenth of the burst) arrive on top of the budget in any window, whatever this is. It only has to
 * be long enough for a busy account's calls to use what was booked: at 50 ms a process serving an account
 * at ~120 calls/s used ~6 slots per booking and went to Redis on one call in five or six.
 */
export const BOOKED_SLOT_TTL_MS = 250;

/** Slots this process booked for one account and has not used yet; all were due when booked. */
interface Booking {
  spare: number;
  until: number;
  /** How many slots the next round trip asks for: doubled while calls use them up, halved when they expire. */
  size: number;
  pending: Promise<unknown> | null;
}

/**
 * The upstream budget of one linked account, shared by every gateway process through the cache:
 * requests are spaced to `perSecond` with bursts of `burst` (GCRA). A caller over the budget waits
 * for its slot, so a burst queues instead of tripping Personio's cool-down.
 *
 * With a shared cache (Redis) every slot costs a round trip, which is most of the gateway's work on
 * a fast proxied call. So a process that is using an account's budget heavily books several slots at
 * once, up to a tenth of the burst, and only slots that are due at once (the burst has room): never
 * one that would have to wait. They are used within `BOOKED_SLOT_TTL_MS` or given up, and no call is
 * ever sent without its slot booked in the shared budget. At Personio's own limits (bursts of 10) a
 * tenth is one slot: every call books its own, as without batching.
 */
export class RateBudget {
  private readonly intervalMs: number;
  private readonly maxBooked: number;
  private readonly bookings = new TtlCache<string, Booking>({ ttlMs: 60_000, maxEntries: 10_000 });

  constructor(
    private readonly cache: Cache,
    perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.intervalMs = 1000 / perSecond;
    this.maxBooked = cache.shared ? Math.max(1, Math.min(MAX_BOOKED_SLOTS, Math.floor(burst / 10))) : 1;
  }

  /**
   * Waits for a slot; resolves false, reserving nothing, when the wait would exceed `maxWaitMs`.
   * `background` calls (sync passes) give way to live ones: see `acquireBackground`. A wait is counted on
   * `trace`, the calling request's.
   */
  async acquire(
    accountKey: string,
    maxWaitMs: number,
    priority: BudgetPriority = 'live',
    trace?: RequestTrace,
  ): Promise<{ ok: true } | { ok: false; waitMs: number }> {
    const key = `personio:rate:${accountKey}`;
    if (priority === 'background') return this.acquireBackground(key, maxWaitMs);
    let booking: Booking | undefined;
    if (this.maxBooked > 1) {
      booking = this.bookings.get(key);
      if (!booking) {
        booking = { spare: 0, until: 0, size: 1, pending: null };
        this.bookings.set(key, booking);
      }
      for (;;) {
        const now = this.now();
        if (booking.spare > 0 && now < booking.until) {
          booking.spare--;
          return { ok: true };
        }
        if (booking.pending) {
          // Another call of this process is booking; it may bring spare slots.
          await booking.pending.catch(() => {});
          continue;
        }
        if (booking.spare > 0) {
          // Booked and not needed in time: given up, and fewer asked for next time.
          booking.spare = 0;
          booking.size = Math.max(1, Math.ceil(booking.size / 2));
        } else if (now < booking.until) {
          // All used before they expired: more next time.
          booking.size = Math.min(this.maxBooked, booking.size * 2);
        }
        break;
      }
    }
    const reservation = this.cache.reserveSlot(
      key,
      this.intervalMs,
      this.burst,
      Math.max(0, maxWaitMs),
      booking ? booking.size - 1 : 0,
    );
    let slot: SlotReservation;
    if (booking) {
      booking.pending = reservation;
      try {
        slot = await reservation;
      } finally {
        booking.pending = null;
      }
    } else {
      slot = await reservation;
    }
    if (!slot.reserved) return { ok: false, waitMs: slot.waitMs };
    if (booking) {
      booking.spare += slot.extra;
      booking.until = this.now() + BOOKED_SLOT_TTL_MS;
    }
    if (slot.waitMs > 0) {
      traceRateLimitWait(trace, slot.waitMs);
      await sleep(slot.waitMs);
    }
    return { ok: true };
  }

  /**
   * A background call only takes a slot that is due now while half the burst stays free, and never
   * books one ahead: booking ahead would queue live calls behind it (GCRA serves bookings in order).
   * So live calls always find room, and a pass slows down while they use the budget.
   */
  private async acquireBackground(
    key: string,
    maxWaitMs: number,
  ): Promise<{ ok: true } | { ok: false; waitMs: number }> {
    const burst = Math.max(1, this.burst - Math.max(1, Math.ceil(this.burst / 2)));
    const deadline = this.now() + Math.max(0, maxWaitMs);
    for (;;) {
      const slot = await this.cache.reserveSlot(key, this.intervalMs, burst, 0, 0);
      if (slot.reserved) return { ok: true };
      const left = deadline - this.now();
      if (slot.waitMs > left) return { ok: false, waitMs: slot.waitMs };
      await sleep(Math.max(1, slot.waitMs));
    }
  }
}

/** Live calls (a client waiting for the answer) go first; background ones (sync passes) wait for room. */
export type BudgetPriority = 'live' | 'background';
