import type { MiddlewareHandler } from 'hono';
import type { V2Env } from './auth';
import { problem } from './problem';

/**
 * v2 rate limits: one token bucket per credential and endpoint group. The figures (≈30 req/s on persons,
 * ≈10 req/s on absence periods and their breakdowns) come from third-party clients (REFERENCE §5,
 * UNCONFIRMED), as do the Spring-Cloud-Gateway-style `x-ratelimit-*` headers; the 429 body is the v2
 * problem+json. `Retry-After` is UNCONFIRMED for Personio and is not sent: clients back off on their own.
 */

export interface V2RateLimit {
  /** tokens added per second */
  perSecond: number;
  /** bucket size */
  burst: number;
}

export type V2RateLimitGroup = 'persons' | 'employments' | 'absence-types' | 'absence-periods' | 'breakdowns';

export const DEFAULT_V2_RATE_LIMITS: Record<V2RateLimitGroup, V2RateLimit> = {
  persons: { perSecond: 30, burst: 30 },
  employments: { perSecond: 30, burst: 30 },
  'absence-types': { perSecond: 10, burst: 10 },
  'absence-periods': { perSecond: 10, burst: 10 },
  breakdowns: { perSecond: 10, burst: 20 },
};

export function createV2RateLimiter(limits: Record<V2RateLimitGroup, V2RateLimit>, now: () => number) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return (group: V2RateLimitGroup): MiddlewareHandler<V2Env> =>
    async (c, next) => {
      const limit = limits[group];
      const key = `${c.get('credential').clientId} ${group}`;
      const time = now();
      const bucket = buckets.get(key) ?? { tokens: limit.burst, at: time };
      bucket.tokens = Math.min(limit.burst, bucket.tokens + ((time - bucket.at) / 1000) * limit.perSecond);
      bucket.at = time;
      buckets.set(key, bucket);
      const headers = {
        'x-ratelimit-replenish-rate': String(limit.perSecond),
        'x-ratelimit-burst-capacity': String(limit.burst),
        'x-ratelimit-requested-tokens': '1',
      };
      if (bucket.tokens < 1) {
        return problem(c, 429, 'Too many requests.', { ...headers, 'x-ratelimit-remaining': '0' });
      }
      bucket.tokens -= 1;
      await next();
      for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
      c.res.headers.set('x-ratelimit-remaining', String(Math.floor(bucket.tokens)));
    };
}
