import type { Cache, CacheHealth, SlotReservation } from './types';

interface Entry {
  value: string;
  expiresAt: number;
}

/** A single-process cache for embedded mode and tests; expired entries are dropped on read and by a sweep. */
export class MemoryCache implements Cache {
  readonly shared: boolean = false;
  private readonly entries = new Map<string, Entry>();
  private writesSinceSweep = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async get(key: string): Promise<string | null> {
    return this.live(key)?.value ?? null;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.write(key, value, ttlMs);
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    if (this.live(key)) return false;
    this.write(key, value, ttlMs);
    return true;
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async increment(key: string, ttlMs: number, by = 1): Promise<number> {
    const entry = this.live(key);
    const value = (entry ? Number(entry.value) || 0 : 0) + by;
    if (entry) entry.value = String(value);
    else this.write(key, String(value), ttlMs);
    return value;
  }

  async reserveSlot(
    key: string,
    intervalMs: number,
    burst: number,
    maxWaitMs: number,
    extra = 0,
  ): Promise<SlotReservation> {
    const now = this.now();
    const tolerance = (burst - 1) * intervalMs;
    let theoretical = Math.max(Number(this.live(key)?.value ?? now), now);
    const waitMs = Math.max(0, theoretical - tolerance - now);
    if (waitMs > maxWaitMs) return { reserved: false, waitMs, extra: 0 };
    theoretical += intervalMs;
    let booked = 0;
    if (waitMs === 0) {
      while (booked < extra && theoretical - tolerance <= now) {
        theoretical += intervalMs;
        booked++;
      }
    }
    this.write(key, String(theoretical), theoretical - now + tolerance + 1000);
    return { reserved: true, waitMs, extra: booked };
  }

  async deleteIfEquals(key: string, value: string): Promise<boolean> {
    if (this.live(key)?.value !== value) return false;
    this.entries.delete(key);
    return true;
  }

  async health(): Promise<CacheHealth> {
    return { status: 'ok', shared: false };
  }

  async close(): Promise<void> {
    this.entries.clear();
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private write(key: string, value: string, ttlMs: number): void {
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs });
    if (++this.writesSinceSweep >= 1000) this.sweep();
  }

  private sweep(): void {
    this.writesSinceSweep = 0;
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}
