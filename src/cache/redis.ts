import { Redis } from 'ioredis';
import type { Cache, SlotReservation } from './types';

const INCREMENT = `local value = redis.call('incrby', KEYS[1], ARGV[1]) if value == tonumber(ARGV[1]) then redis.call('pexpire', KEYS[1], ARGV[2]) end return value`;
// GCRA on Redis's own clock, so every process agrees on time; returns {reserved, waitMs, extra}:
// after the booked slot, up to ARGV[4] further slots that are due at once (only while the burst has room).
const RESERVE_SLOT = `
local time = redis.call('time')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local interval = tonumber(ARGV[1])
local tolerance = (tonumber(ARGV[2]) - 1) * interval
local theoretical = tonumber(redis.call('get', KEYS[1]) or now)
if theoretical < now then theoretical = now end
local wait = theoretical - tolerance - now
if wait < 0 then wait = 0 end
if wait > tonumber(ARGV[3]) then return {0, math.ceil(wait), 0} end
theoretical = theoretical + interval
local extra = 0
if wait == 0 then
  local wanted = tonumber(ARGV[4])
  while extra < wanted and theoretical - tolerance <= now do
    theoretical = theoretical + interval
    extra = extra + 1
  end
end
redis.call('set', KEYS[1], tostring(theoretical), 'PX', math.ceil(theoretical - now + tolerance + 1000))
return {1, math.ceil(wait), extra}`;
const DELETE_IF_EQUALS = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/** The scripts, sent once and then run by their SHA-1 (`EVALSHA`; ioredis loads them again after a Redis restart). */
interface Scripts {
  rosterIncrement(key: string, by: number, ttlMs: number): Promise<number>;
  rosterReserveSlot(
    key: string,
    intervalMs: number,
    burst: number,
    maxWaitMs: number,
    extra: number,
  ): Promise<[number, number, number]>;
  rosterDeleteIfEquals(key: string, value: string): Promise<number>;
}

/** The shared cache of every gateway process, on Redis. `keyPrefix` keeps deployments (and test suites) apart. */
export class RedisCache implements Cache {
  readonly shared = true;
  private readonly redis: Redis & Scripts;

  constructor(url: string, keyPrefix = 'roster:') {
    this.redis = new Redis(url, {
      keyPrefix,
      maxRetriesPerRequest: 2,
      enableAutoPipelining: true,
      lazyConnect: false,
    }) as Redis & Scripts;
    this.redis.defineCommand('rosterIncrement', { numberOfKeys: 1, lua: INCREMENT });
    this.redis.defineCommand('rosterReserveSlot', { numberOfKeys: 1, lua: RESERVE_SLOT });
    this.redis.defineCommand('rosterDeleteIfEquals', { numberOfKeys: 1, lua: DELETE_IF_EQUALS });
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
    return Number(await this.redis.rosterIncrement(key, by, Math.max(1, Math.round(ttlMs))));
  }

  async reserveSlot(
    key: string,
    intervalMs: number,
    burst: number,
    maxWaitMs: number,
    extra = 0,
  ): Promise<SlotReservation> {
    const [reserved, waitMs, booked] = await this.redis.rosterReserveSlot(
      key,
      intervalMs,
      burst,
      maxWaitMs,
      Math.max(0, Math.floor(extra)),
    );
    return { reserved: reserved === 1, waitMs, extra: booked };
  }

  async deleteIfEquals(key: string, value: string): Promise<boolean> {
    return (await this.redis.rosterDeleteIfEquals(key, value)) === 1;
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
