import { describe, expect, it } from 'vitest';
import { TtlCache } from './ttl-cache';

function clock(start = 1_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('TtlCache', () => {
  it('forgets an entry once its time is up', () => {
    const time = clock();
    const cache = new TtlCache<string, number>({ ttlMs: 100, maxEntries: 10, now: time.now });
    cache.set('a', 1);
    time.advance(99);
    expect(cache.get('a')).toBe(1);
    time.advance(1);
    expect(cache.get('a')).toBeUndefined();
  });

  it('stores nothing with a TTL of 0', () => {
    const cache = new TtlCache<string, number>({ ttlMs: 0, maxEntries: 10 });
    cache.set('a', 1);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('drops the entry written longest ago when full', () => {
    const cache = new TtlCache<string, number>({ ttlMs: 1_000, maxEntries: 2 });
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('a', 3);
    cache.set('c', 4);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(3);
    expect(cache.get('c')).toBe(4);
  });

  it('loads once for concurrent callers and keeps the value', async () => {
    const cache = new TtlCache<string, number>({ ttlMs: 1_000, maxEntries: 10 });
    let loads = 0;
    const load = async () => {
      loads++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return 7;
    };
    expect(await Promise.all([cache.getOrLoad('a', load), cache.getOrLoad('a', load)])).toEqual([7, 7]);
    expect(await cache.getOrLoad('a', load)).toBe(7);
    expect(loads).toBe(1);
  });

  it('keeps neither misses nor failures', async () => {
    const cache = new TtlCache<string, number>({ ttlMs: 1_000, maxEntries: 10 });
    expect(await cache.getOrLoad('a', async () => undefined)).toBeUndefined();
    await expect(cache.getOrLoad('a', async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await cache.getOrLoad('a', async () => 2)).toBe(2);
  });

  it('does not keep what a load read before the entry was deleted', async () => {
    const cache = new TtlCache<string, string>({ ttlMs: 1_000, maxEntries: 10 });
    let release: (value: string) => void = () => {};
    const stale = cache.getOrLoad('a', () => new Promise<string>((resolve) => (release = resolve)));
    cache.delete('a');
    release('before the write');
    expect(await stale).toBe('before the write');
    expect(await cache.getOrLoad('a', async () => 'after the write')).toBe('after the write');
  });
});
