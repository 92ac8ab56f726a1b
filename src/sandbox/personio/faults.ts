import type { MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { sleep } from '../../lib/sleep';
import { personioError } from './errors';
import { mulberry32, type Random } from './prng';

/**
 * Switches that make the simulator misbehave the way Personio can: rate limits with headers,
 * 429 storms, 5xx answers, latency, hung requests, malformed bodies and tokens that expire
 * mid-walk. All draws come from one seeded stream, so a failing run can be replayed.
 */
export interface SandboxFaults {
  /** Personio-like limit per credential (token bucket): `perSecond` sustained, bursts of `burst`. */
  rateLimit?: { perSecond: number; burst: number } | null;
  /** Fraction of resource requests answered 429 regardless of the limit, without `Retry-After`. */
  rateLimitedRate?: number;
  /** Fraction answered with a server error, drawn from `serverErrorStatuses`. */
  serverErrorRate?: number;
  serverErrorStatuses?: ContentfulStatusCode[];
  /** Added latency per request: fixed, or uniform within [min, max]. */
  latencyMs?: number | [number, number];
  /** Fraction of requests that hang for `hangMs` before being answered (clients should time out first). */
  timeoutRate?: number;
  hangMs?: number;
  /** Fraction answered 200 with a truncated JSON body. */
  malformedRate?: number;
  /** Fraction handled normally but answered only after `hangMs` (a write that happened, then timed out). */
  lateAnswerRate?: number;
  /** Only requests with these methods are faulted (default: all). */
  methods?: string[];
  /** Revokes every token after each `n` resource requests. */
  expireTokensEvery?: number;
  /** Seed of the fault stream. */
  seed?: number;
}

export interface FaultState {
  faults: SandboxFaults;
  random: Random;
  buckets: Map<string, { tokens: number; updatedAt: number }>;
  resourceRequests: number;
}

export function createFaultState(faults: SandboxFaults = {}): FaultState {
  return { faults, random: mulberry32(faults.seed ?? 1), buckets: new Map(), resourceRequests: 0 };
}

export function resetFaultState(state: FaultState, faults: SandboxFaults): void {
  state.faults = faults;
  state.random = mulberry32(faults.seed ?? 1);
  state.buckets.clear();
  state.resourceRequests = 0;
}

/** Runs before resource routes (after the bearer check, so limits are per credential as at Personio). */
export function faultInjection(
  state: FaultState,
  options: { expireTokens: () => void; now?: () => number },
): MiddlewareHandler {
  const now = options.now ?? Date.now;
  return async (c, next) => {
    const { faults, random } = state;
    if (faults.methods && !faults.methods.includes(c.req.method)) return next();
    state.resourceRequests++;
    if (faults.expireTokensEvery && state.resourceRequests % faults.expireTokensEvery === 0)
      options.expireTokens();

    const latency = Array.isArray(faults.latencyMs)
      ? faults.latencyMs[0] + random() * (faults.latencyMs[1] - faults.latencyMs[0])
      : (faults.latencyMs ?? 0);
    if (latency > 0) await sleep(latency);

    if (faults.rateLimit) {
      const key = c.req.header('authorization') ?? '';
      const { perSecond, burst } = faults.rateLimit;
      const bucket = state.buckets.get(key) ?? { tokens: burst, updatedAt: now() };
      bucket.tokens = Math.min(burst, bucket.tokens + ((now() - bucket.updatedAt) / 1000) * perSecond);
      bucket.updatedAt = now();
      state.buckets.set(key, bucket);
      const rateHeaders = {
        'x-ratelimit-replenish-rate': String(perSecond),
        'x-ratelimit-burst-capacity': String(burst),
        'x-ratelimit-requested-tokens': '1',
      };
      if (bucket.tokens < 1) {
        const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond));
        const response = personioError(c, 429, 'Too Many Requests');
        for (const [name, value] of Object.entries({ ...rateHeaders, 'x-ratelimit-remaining': '0' })) {
          response.headers.set(name, value);
        }
        response.headers.set('retry-after', String(retryAfter));
        return response;
      }
      bucket.tokens -= 1;
      await next();
      for (const [name, value] of Object.entries(rateHeaders)) c.res.headers.set(name, value);
      c.res.headers.set('x-ratelimit-remaining', String(Math.floor(bucket.tokens)));
      return;
    }

    // One draw picks at most one fault, so the rates add up as configured.
    const draw = random();
    const limited = faults.rateLimitedRate ?? 0;
    const failed = limited + (faults.serverErrorRate ?? 0);
    const hung = failed + (faults.timeoutRate ?? 0);
    const malformed = hung + (faults.malformedRate ?? 0);
    const late = malformed + (faults.lateAnswerRate ?? 0);
    if (draw < limited) return personioError(c, 429, 'Too Many Requests');
    if (draw < failed) {
      const statuses = faults.serverErrorStatuses ?? [502, 503, 504];
      const status = statuses[Math.floor(random() * statuses.length)] ?? 503;
      return personioError(c, status, 'Service temporarily unavailable');
    }
    if (draw < hung) {
      await sleep(faults.hangMs ?? 60_000);
    } else if (draw < malformed) {
      return new Response('{"success":true,"data":[{"type":"Employee","attr', {
        status: 200,
        headers: { 'content-type': 'application/json' },
      });
    } else if (draw < late) {
      await next();
      await sleep(faults.hangMs ?? 60_000);
      return;
    }
    await next();
  };
}
