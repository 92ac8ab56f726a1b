/**
 * A bounded in-process map whose entries expire. When full, the entry written longest ago goes
 * (a Map keeps insertion order), which is enough for caches that are re-filled on a miss.
 */
export class TtlCache<Key, Value> {
  private readonly entries = new Map<Key, { value: Value; expiresAt: number }>();
  private readonly inflight = new Map<Key, Promise<Value | undefined>>();
  /** Bumped by every delete, so a load that was already running then does not store what it read before. */
  private epoch = 0;

  constructor(private readonly options: { ttlMs: number; maxEntries: number; now?: () => number }) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: Key): Value | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** A TTL of 0 (or less) stores nothing: the cache is off. */
  set(key: Key, value: Value, ttlMs = this.options.ttlMs): void {
    if (ttlMs <= 0) return;
    this.entries.delete(key);
    if (this.entries.size >= this.options.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs });
  }

  delete(key: Key): void {
    this.epoch++;
    this.entries.delete(key);
    this.inflight.delete(key);
  }

  clear(): void {
    this.epoch++;
    this.entries.clear();
    this.inflight.clear();
  }

  /**
   * The cached value, or the one `load` resolves to, shared by concurrent callers (single flight).
   * A load that rejects or resolves `undefined` is not kept, so misses and failures are asked again.
   */
  async getOrLoad(key: Key, load: () => Promise<Value | undefined>): Promise<Value | undefined> {
    const cached = this.get(key);
    if (cached !== undefined) return cached;
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const epoch = this.epoch;
    const loading = load().then(
      (value) => {
        if (this.inflight.get(key) === loading) this.inflight.delete(key);
        if (value !== undefined && epoch === this.epoch) this.set(key, value);
        return value;
      },
      (error: unknown) => {
        if (this.inflight.get(key) === loading) this.inflight.delete(key);
        throw error;
      },
    );
    this.inflight.set(key, loading);
    return loading;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}
