import { Redis } from 'ioredis';
import { type Logger, silentLogger } from '../lib/logger';
import { MemoryCache } from './memory';
import type { Cache, CacheHealth, SlotReservation } from './types';

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

export interface RedisCacheOptions {
  /** Connect and command timeout (REDIS_TIMEOUT_MS): past it, a call is served from memory. */
  timeoutMs?: number;
  logger?: Logger;
  /**
   * ioredis's auto-pipelining (off by default). It collects the commands of one tick into a pipeline, which
   * costs about 40 µs more CPU per lone command (`npx tsx bench/redis-round-trip.ts`) and saved nothing
   * with ten concurrent callers: the gateway's commands are mostly lone ones (a call's rate-budget slot).
   */
  autoPipelining?: boolean;
}

const DEFAULT_TIMEOUT_MS = 1000;
/** Reconnection attempts are spaced by 100 ms more each time, at most a second apart. */
const MAX_RECONNECT_DELAY_MS = 1000;

/**
 * The shared cache of every gateway process, on Redis. `keyPrefix` keeps deployments (and test suites) apart.
 *
 * Redis being down is not a reason to fail requests: while it does not answer (not connected, or a
 * command fails or takes longer than `timeoutMs`), each call is served by this process's own memory, so
 * Personio tokens, locks, pacing and counters become per process until Redis is back (a warning is logged
 * and `/readyz` reports the cache `degraded`). Commands are never queued while disconnected, so no call
 * waits for a reconnection; ioredis keeps reconnecting, and calls use Redis again once it answers.
 */
export class RedisCache implements Cache {
  readonly shared = true;
  private readonly redis: Redis & Scripts;
  private readonly memory: MemoryCache;
  private readonly logger: Logger;
  /** Until the first connection succeeds or fails, calls wait for it (bounded by the connect timeout). */
  private connecting: Promise<void> | null;
  private degraded = false;

  constructor(url: string, keyPrefix = 'roster:', options: RedisCacheOptions = {}) {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.logger = options.logger ?? silentLogger;
    this.memory = new MemoryCache();
    this.redis = new Redis(url, {
      keyPrefix,
      enableAutoPipelining: options.autoPipelining ?? false,
      lazyConnect: false,
      // Fail at once while disconnected (the call falls back to memory) instead of queueing for a reconnection.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: timeoutMs,
      commandTimeout: timeoutMs,
      retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
    }) as Redis & Scripts;
    this.redis.defineCommand('rosterIncrement', { numberOfKeys: 1, lua: INCREMENT });
    this.redis.defineCommand('rosterReserveSlot', { numberOfKeys: 1, lua: RESERVE_SLOT });
    this.redis.defineCommand('rosterDeleteIfEquals', { numberOfKeys: 1, lua: DELETE_IF_EQUALS });
    this.connecting = new Promise<void>((resolve) => {
      const settle = () => {
        this.connecting = null;
        resolve();
      };
      this.redis.once('ready', settle);
      this.redis.once('error', settle);
      this.redis.once('end', settle);
    });
    // ioredis reports connection failures as events as well; the calls themselves fall back.
    this.redis.on('error', (error: Error) => this.degrade(error));
    this.redis.on('ready', () => this.recover());
  }

  async get(key: string): Promise<string | null> {
    return this.run(
      () => this.redis.get(key),
      () => this.memory.get(key),
    );
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.run(
      async () => {
        await this.redis.set(key, value, 'PX', Math.max(1, Math.round(ttlMs)));
      },
      () => this.memory.set(key, value, ttlMs),
    );
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    return this.run(
      async () => (await this.redis.set(key, value, 'PX', Math.max(1, Math.round(ttlMs)), 'NX')) === 'OK',
      () => this.memory.setIfAbsent(key, value, ttlMs),
    );
  }

  async delete(key: string): Promise<void> {
    await this.run(
      async () => {
        await this.redis.del(key);
      },
      () => this.memory.delete(key),
    );
  }

  async increment(key: string, ttlMs: number, by = 1): Promise<number> {
    return this.run(
      async () => Number(await this.redis.rosterIncrement(key, by, Math.max(1, Math.round(ttlMs)))),
      () => this.memory.increment(key, ttlMs, by),
    );
  }

  async reserveSlot(
    key: string,
    intervalMs: number,
    burst: number,
    maxWaitMs: number,
    extra = 0,
  ): Promise<SlotReservation> {
    return this.run(
      async () => {
        const [reserved, waitMs, booked] = await this.redis.rosterReserveSlot(
          key,
          intervalMs,
          burst,
          maxWaitMs,
          Math.max(0, Math.floor(extra)),
        );
        return { reserved: reserved === 1, waitMs, extra: booked };
      },
      () => this.memory.reserveSlot(key, intervalMs, burst, maxWaitMs, extra),
    );
  }

  async deleteIfEquals(key: string, value: string): Promise<boolean> {
    return this.run(
      async () => (await this.redis.rosterDeleteIfEquals(key, value)) === 1,
      () => this.memory.deleteIfEquals(key, value),
    );
  }

  async health(): Promise<CacheHealth> {
    if (this.connecting) await this.connecting;
    if (this.redis.status === 'ready') {
      try {
        await this.redis.ping();
        return { status: 'ok', shared: true };
      } catch (error) {
        this.degrade(error);
      }
    }
    return { status: 'degraded', shared: false };
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
    await this.memory.close();
  }

  /** Runs `command` on Redis when it is connected, else (or when it fails) `fallback` on this process's memory. */
  private async run<T>(command: () => Promise<T>, fallback: () => Promise<T>): Promise<T> {
    if (this.connecting) await this.connecting;
    if (this.redis.status !== 'ready') {
      this.degrade(new Error(`Redis connection is ${this.redis.status}`));
      return fallback();
    }
    try {
      const result = await command();
      if (this.degraded) this.recover();
      return result;
    } catch (error) {
      this.degrade(error);
      return fallback();
    }
  }

  private degrade(error: unknown): void {
    if (this.degraded) return;
    this.degraded = true;
    this.logger.warn(
      "Redis does not answer: Personio tokens, locks and pacing use this process's memory until it is back",
      { error: error instanceof Error ? error.message : String(error) },
    );
  }

  private recover(): void {
    if (!this.degraded) return;
    this.degraded = false;
    this.logger.info('Redis answers again: the cache is shared again');
  }
}
