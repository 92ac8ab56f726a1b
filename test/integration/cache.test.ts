import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { MemoryCache } from '../../src/cache/memory';
import { RedisCache } from '../../src/cache/redis';
import type { Cache } from '../../src/cache/types';
import { redisKeyPrefix } from '../harness/databases';
import { waitUntil } from '../support/wait';

const caches: [string, () => Cache][] = [
  ['memory', () => new MemoryCache()],
  ['redis', () => new RedisCache(inject('redisUrl'), `roster:${redisKeyPrefix()}`)],
];

describe.each(caches)('%s cache', (_name, create) => {
  it('sets, reads, expires and deletes', async () => {
    const cache = create();
    try {
      await cache.set('a', '1', 60_000);
      expect(await cache.get('a')).toBe('1');
      await cache.set('short', 'x', 30);
      await waitUntil(async () => (await cache.get('short')) === null, 'the short entry to expire');
      await cache.delete('a');
      expect(await cache.get('a')).toBeNull();
    } finally {
      await cache.close();
    }
  });

  it('takes a lock once and releases it only for its owner', async () => {
    const cache = create();
    try {
      expect(await cache.setIfAbsent('lock', 'me', 60_000)).toBe(true);
      expect(await cache.setIfAbsent('lock', 'you', 60_000)).toBe(false);
      expect(await cache.deleteIfEquals('lock', 'you')).toBe(false);
      expect(await cache.deleteIfEquals('lock', 'me')).toBe(true);
      expect(await cache.setIfAbsent('lock', 'you', 60_000)).toBe(true);
    } finally {
      await cache.close();
    }
  });

  it('books further slots with one only while they are due at once', async () => {
    const cache = create();
    try {
      // 1 slot per second, bursts of 5: the first call may take the whole burst.
      const first = await cache.reserveSlot('paced', 1000, 5, 10_000, 10);
      expect(first).toEqual({ reserved: true, waitMs: 0, extra: 4 });
      // The burst is spent: the next slot is a second away and comes alone.
      const second = await cache.reserveSlot('paced', 1000, 5, 10_000, 10);
      expect(second.reserved).toBe(true);
      expect(second.extra).toBe(0);
      // About a second away, less whatever time passed between the two calls on a busy machine.
      expect(second.waitMs).toBeGreaterThan(0);
      expect(second.waitMs).toBeLessThanOrEqual(1000);
      expect(await cache.reserveSlot('paced', 1000, 5, 100, 10)).toMatchObject({ reserved: false, extra: 0 });
    } finally {
      await cache.close();
    }
  });

  it('counts within a window that starts with the first increment', async () => {
    const cache = create();
    try {
      expect(await cache.increment('n', 10_000)).toBe(1);
      expect(await cache.increment('n', 10_000, 2)).toBe(3);
      expect(await cache.increment('short-n', 50)).toBe(1);
      await waitUntil(async () => (await cache.get('short-n')) === null, 'the short window to end');
      expect(await cache.increment('short-n', 50)).toBe(1);
    } finally {
      await cache.close();
    }
  });
});

describe('redis cache scripts', () => {
  it('still run after Redis forgot them (a restart or SCRIPT FLUSH)', async () => {
    const cache = new RedisCache(inject('redisUrl'), `roster:${redisKeyPrefix()}`);
    const admin = new Redis(inject('redisUrl'));
    try {
      expect(await cache.increment('flushed', 60_000)).toBe(1);
      expect((await cache.reserveSlot('flushed-slot', 100, 1, 1000)).reserved).toBe(true);
      await admin.script('FLUSH');
      expect(await cache.increment('flushed', 60_000)).toBe(2);
      expect(await cache.reserveSlot('flushed-slot', 100, 1, 1000)).toMatchObject({ reserved: true });
      expect(await cache.setIfAbsent('flushed-lock', 'me', 60_000)).toBe(true);
      await admin.script('FLUSH');
      expect(await cache.deleteIfEquals('flushed-lock', 'me')).toBe(true);
    } finally {
      await cache.close();
      admin.disconnect();
    }
  });
});
