import { Redis } from 'ioredis';
import type { Cache } from './types';

const INCREMENT = `local value = redis.call('incrby', KEYS[1], ARGV[1]) if value == tonumber(ARGV[1]) then redis.call('pexpire', KEYS[1], ARGV[2]) end return value`;
const DELETE_IF_EQUALS = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/** The shared cache of every gateway process, on Redis. `keyPrefix` keeps deployments (and test suites) apart. */
export class RedisCache implements Cache {
  private readonly redis: Redis;

  constructor(url: string, keyPrefix = 'roster:') {
    this.redis = new Redis(url, {
      keyPrefix,
      maxRetriesPerRequest: 2,
      enableAutoPipelining: true,
      lazyConnect: false,
    });
    // ioredis emits connection errors as events; commands still reject, so the log is enough here.
    this.redis.on('error', () => {});
  }

  async get(key: string): Promise<string | null> {
    return this.redis.get(key);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.redis.set(key, value, 'PX', Math.max(1, Math.round(ttlMs)));
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(key, value, 'PX', Math.max(1, Math.round(ttlMs)), 'NX')) === 'OK';
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(key);
  }

  async increment(key: string, ttlMs: number, by = 1): Promise<number> {
    return Number(await this.redis.eval(INCREMENT, 1, key, by, Math.max(1, Math.round(ttlMs))));
  }

  async deleteIfEquals(key: string, value: string): Promise<boolean> {
    return (await this.redis.eval(DELETE_IF_EQUALS, 1, key, value)) === 1;
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
