import type { Cache } from '../cache/types';
import { type Logger, silentLogger } from '../lib/logger';
import { TtlCache } from '../lib/ttl-cache';

const MAX_BLOCKED = 10_000;

/**
 * How many requests with a wrong API key one client address may send per window (AUTH_FAILURE_LIMIT per
 * AUTH_FAILURE_WINDOW_SECONDS). Failures are counted in the cache, so every gateway process shares the
 * count (through Redis; in memory when embedded). Once an address has spent its budget, all its requests
 * get `429` until the window ends, correct keys included: nothing from it reaches the database then.
 *
 * A process remembers an address it saw spend the budget, so refusing it costs nothing. Another process
 * learns it when that address next needs a key lookup (one cache read before the database query).
 */
export class AuthFailureBudget {
  private readonly windowMs: number;
  /** Addresses known to have spent their budget, and when their window ends. */
  private readonly blocked: TtlCache<string, number>;

  constructor(
    private readonly cache: Cache,
    private readonly options: { limit: number; windowSeconds: number; now: () => number; logger?: Logger },
  ) {
    this.windowMs = options.windowSeconds * 1000;
    this.blocked = new TtlCache({ ttlMs: this.windowMs, maxEntries: MAX_BLOCKED, now: options.now });
  }

  get enabled(): boolean {
    return this.options.limit > 0;
  }

  /** Milliseconds until the address may try again, when this process knows its budget is spent. */
  refusedFor(address: string): number | undefined {
    if (!this.enabled) return undefined;
    const until = this.blocked.get(address);
    return until === undefined ? undefined : Math.max(1, until - this.options.now());
  }

  /** As `refusedFor`, also asking the shared count (a cache read: only before a database lookup). */
  async spentFor(address: string): Promise<number | undefined> {
    if (!this.enabled) return undefined;
    const known = this.refusedFor(address);
    if (known !== undefined) return known;
    const { key, until } = this.window(address);
    const count = Number((await this.cache.get(key)) ?? 0);
    return count >= this.options.limit ? this.block(address, until) : undefined;
  }

  /**
   * Counts one failed attempt. Undefined while the attempt was within the budget (answer `401`); the
   * milliseconds to wait when it was over it (answer `429`). The attempt that spends the last of the
   * budget still gets its `401`; the address is refused from the next request on.
   */
  async recordFailure(address: string): Promise<number | undefined> {
    if (!this.enabled) return undefined;
    const { key, until } = this.window(address);
    const count = await this.cache.increment(key, until - this.options.now() + 1000);
    if (count < this.options.limit) return undefined;
    if (count === this.options.limit) {
      (this.options.logger ?? silentLogger).warn('a client address spent its budget of wrong API keys', {
        client: address,
        refused_for_seconds: Math.ceil((until - this.options.now()) / 1000),
      });
    }
    const waitMs = this.block(address, until);
    return count > this.options.limit ? waitMs : undefined;
  }

  /** Fixed windows, numbered from the epoch, so every process agrees on where one ends. */
  private window(address: string): { key: string; until: number } {
    const index = Math.floor(this.options.now() / this.windowMs);
    return { key: `auth:failures:${index}:${address}`, until: (index + 1) * this.windowMs };
  }

  private block(address: string, until: number): number {
    const waitMs = Math.max(1, until - this.options.now());
    this.blocked.set(address, until, waitMs);
    return waitMs;
  }
}
