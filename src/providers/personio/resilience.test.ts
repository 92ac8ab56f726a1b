import { describe, expect, it } from 'vitest';
import { MemoryCache } from '../../cache/memory';
import type { SlotReservation } from '../../cache/types';
import { BOOKED_SLOT_TTL_MS, RateBudget } from './resilience';

/** A memory cache that behaves as if other processes shared it, counting the round trips. */
class SharedMemoryCache extends MemoryCache {
  override readonly shared = true;
  readonly calls: { extra: number; result: SlotReservation }[] = [];

  override async reserveSlot(key: string, intervalMs: number, burst: number, maxWaitMs: number, extra = 0) {
    const result = await super.reserveSlot(key, intervalMs, burst, maxWaitMs, extra);
    this.calls.push({ extra, result });
    return result;
  }
}

function clock() {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

/** Slots booked in the shared budget so far: how far the GCRA's theoretical arrival time has moved. */
async function bookedSlots(cache: MemoryCache, now: number, intervalMs: number): Promise<number> {
  const theoretical = Number(await cache.get('personio:rate:la_1'));
  return Math.round((theoretical - now) / intervalMs);
}

describe('RateBudget', () => {
  it('books several slots per round trip for a busy account, and never uses more than it booked', async () => {
    const time = clock();
    const cache = new SharedMemoryCache(time.now);
    // 1,000 per second in bursts of 1,000: up to 64 slots (a tenth of the burst, capped) per round trip.
    const [first, second] = [
      new RateBudget(cache, 1000, 1000, time.now),
      new RateBudget(cache, 1000, 1000, time.now),
    ];
    let used = 0;
    for (let index = 0; index < 600; index++) {
      expect(await (index % 3 === 0 ? second : first).acquire('la_1', 1000)).toEqual({ ok: true });
      used++;
    }
    expect(cache.calls.length).toBeLessThan(60);
    expect(Math.max(...cache.calls.map((call) => call.extra))).toBe(63);
    expect(await bookedSlots(cache, time.now(), 1)).toBeGreaterThanOrEqual(used);
  });

  it('books only slots that are due at once: near the limit every call books its own', async () => {
    const time = clock();
    const cache = new SharedMemoryCache(time.now);
    const budget = new RateBudget(cache, 1000, 100, time.now);
    // Spend the burst.
    for (let index = 0; index < 100; index++) await budget.acquire('la_1', 1000);
    const before = cache.calls.length;
    // Slots now come one per millisecond: each call waits for its own and books nothing spare.
    const results = await Promise.all(Array.from({ length: 5 }, () => budget.acquire('la_1', 1000)));
    expect(results.every((result) => result.ok)).toBe(true);
    const paced = cache.calls.slice(before);
    expect(paced).toHaveLength(5);
    expect(paced.every((call) => call.result.extra === 0)).toBe(true);
  });

  it('gives up spare slots that are not used in time, and books fewer next time', async () => {
    const time = clock();
    const cache = new SharedMemoryCache(time.now);
    const budget = new RateBudget(cache, 1000, 1000, time.now);
    for (let index = 0; index < 20; index++) await budget.acquire('la_1', 1000);
    const sizes = cache.calls.map((call) => call.extra + 1);
    expect(sizes.at(-1)).toBeGreaterThan(1);
    const callsBefore = cache.calls.length;
    time.advance(BOOKED_SLOT_TTL_MS + 1);
    await budget.acquire('la_1', 1000);
    expect(cache.calls.length).toBe(callsBefore + 1);
    expect(cache.calls.at(-1)!.extra + 1).toBeLessThan(sizes.at(-1)!);
  });

  it('books one slot per call at Personio’s own limits, and with a cache no other process shares', async () => {
    const time = clock();
    const shared = new SharedMemoryCache(time.now);
    const personioLimits = new RateBudget(shared, 5, 10, time.now);
    for (let index = 0; index < 10; index++) await personioLimits.acquire('la_1', 1000);
    expect(shared.calls).toHaveLength(10);
    expect(shared.calls.every((call) => call.extra === 0)).toBe(true);

    const local = new (class extends MemoryCache {
      calls = 0;
      override async reserveSlot(
        key: string,
        intervalMs: number,
        burst: number,
        maxWaitMs: number,
        extra = 0,
      ) {
        this.calls++;
        expect(extra).toBe(0);
        return super.reserveSlot(key, intervalMs, burst, maxWaitMs, extra);
      }
    })(time.now);
    const unshared = new RateBudget(local, 1000, 1000, time.now);
    for (let index = 0; index < 10; index++) await unshared.acquire('la_1', 1000);
    expect(local.calls).toBe(10);
  });

  it('refuses without booking when the wait would exceed the caller’s limit', async () => {
    const time = clock();
    const cache = new SharedMemoryCache(time.now);
    const budget = new RateBudget(cache, 1, 1, time.now);
    expect(await budget.acquire('la_1', 100)).toEqual({ ok: true });
    expect(await budget.acquire('la_1', 100)).toEqual({ ok: false, waitMs: 1000 });
  });

  it('lets live calls go first: a background call takes no slot ahead and leaves half the burst free', async () => {
    const time = clock();
    const cache = new MemoryCache(time.now);
    // One slot per second, bursts of 4; the clock stands still, so only the burst is there to share.
    const budget = new RateBudget(cache, 1, 4, time.now);
    expect(await budget.acquire('la_1', 0, 'background')).toEqual({ ok: true });
    expect(await budget.acquire('la_1', 0, 'background')).toEqual({ ok: true });
    // Half the burst is kept for live calls: the pass would have to wait, and books nothing meanwhile.
    expect(await budget.acquire('la_1', 0, 'background')).toEqual({ ok: false, waitMs: 1000 });
    expect(await budget.acquire('la_1', 0, 'live')).toEqual({ ok: true });
    expect(await budget.acquire('la_1', 0, 'live')).toEqual({ ok: true });
    expect(await budget.acquire('la_1', 0)).toMatchObject({ ok: false });

    // Live calls queued ahead (booked slots in the future) keep the pass waiting until they are served.
    const fresh = new MemoryCache(time.now);
    const shared = new RateBudget(fresh, 1, 4, time.now);
    for (let index = 0; index < 4; index++) expect(await shared.acquire('la_2', 0)).toEqual({ ok: true });
    expect(await shared.acquire('la_2', 0, 'background')).toMatchObject({ ok: false });
    time.advance(2_000);
    expect(await shared.acquire('la_2', 0, 'background')).toMatchObject({ ok: false });
    time.advance(1_000);
    expect(await shared.acquire('la_2', 0, 'background')).toEqual({ ok: true });
  });
});
