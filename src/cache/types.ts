/**
 * What the gateway keeps in a shared cache: encrypted access tokens, single-flight locks and,
 * later, rate budgets. Redis in production, memory in embedded mode and tests.
 * Values are strings; callers encrypt anything secret before it reaches the cache.
 */
export interface Cache {
  /** Whether other processes see the same entries (Redis): then a round trip costs, and is worth batching. */
  readonly shared: boolean;
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Sets the key only when it does not exist; true when this call set it (a lock was taken). */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Adds `by` to a counter and returns the new value; the first increment starts its `ttlMs` window. */
  increment(key: string, ttlMs: number, by?: number): Promise<number>;
  /**
   * Books the next slot of a paced resource (GCRA): one slot per `intervalMs`, up to `burst` at once.
   * `waitMs` is how long until the booked slot; when that would exceed `maxWaitMs` nothing is booked.
   * The memory and Redis versions read one clock for all callers (Redis: its own `TIME`).
   * `extra`: up to this many further slots are booked with it, but only slots due at once (while the
   * burst has room): never a slot that would have to wait.
   */
  reserveSlot(
    key: string,
    intervalMs: number,
    burst: number,
    maxWaitMs: number,
    extra?: number,
  ): Promise<SlotReservation>;
  /** Deletes the key only while it still holds `value` (releasing a lock this process owns). */
  deleteIfEquals(key: string, value: string): Promise<boolean>;
  /** For `/readyz`: whether the store answers now, and whether entries are shared at the moment. */
  health(): Promise<CacheHealth>;
  close(): Promise<void>;
}

export interface CacheHealth {
  /** `degraded`: the shared store does not answer, and this process keeps entries in its own memory meanwhile. */
  status: 'ok' | 'degraded';
  /** Whether other processes see this process's entries right now. */
  shared: boolean;
}

export interface SlotReservation {
  reserved: boolean;
  waitMs: number;
  /** Further slots booked with this one, each usable at once (0 unless `extra` was asked for). */
  extra: number;
}
