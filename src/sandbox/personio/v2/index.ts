import { Hono, type MiddlewareHandler } from 'hono';
import type { AbsenceBook } from '../absence-book';
import type { SandboxCredential } from '../credentials';
import type { EmployeeDirectory } from '../seed';
import type { V2AbsenceIds } from './absence-ids';
import { registerAbsenceRoutesV2 } from './absences';
import { createV2TokenStore, registerV2AuthRoutes, requireScope, requireV2Token, type V2Env } from './auth';
import { registerPersonRoutes } from './persons';
import { problem, V2RequestError } from './problem';
import {
  createV2RateLimiter,
  DEFAULT_V2_RATE_LIMITS,
  type V2RateLimit,
  type V2RateLimitGroup,
} from './rate-limits';
import type { WebhookHub } from './webhook-hub';
import { registerWebhookRoutes } from './webhooks';

export { DEFAULT_V2_RATE_LIMITS, type V2RateLimit, type V2RateLimitGroup } from './rate-limits';

export interface SandboxV2Options {
  credentials: readonly SandboxCredential[];
  directory: EmployeeDirectory;
  book: AbsenceBook;
  tokenTtlSeconds: number;
  now: () => Date;
  rateLimits?: Partial<Record<V2RateLimitGroup, V2RateLimit>>;
  onAuthCall: () => void;
  onResourceCall: (status: number) => void;
  webhooks: WebhookHub;
  /** How v2 names absence periods and types (the v1 ids, or UUIDs of their own). */
  absenceIds: V2AbsenceIds;
}

/** POST /v2/auth/token: 150 per minute, then one per second for the next 60 s (REFERENCE §2.2). */
const TOKEN_REQUESTS_PER_MINUTE = 150;

/** The Personio v2 sub-app, mounted at `/v2` beside v1 over the same company data. */
export function createSandboxV2(options: SandboxV2Options) {
  const tokens = createV2TokenStore(options.tokenTtlSeconds, options.now);
  const limiter = createV2RateLimiter({ ...DEFAULT_V2_RATE_LIMITS, ...options.rateLimits }, () => Date.now());
  const tokenRequests: number[] = [];
  let slowUntil = 0;
  let lastSlow = 0;

  const v2 = new Hono<V2Env>();
  registerV2AuthRoutes(v2, {
    credentials: options.credentials,
    tokens,
    onAuthCall: options.onAuthCall,
    allowTokenRequest() {
      const now = Date.now();
      while (tokenRequests.length > 0 && tokenRequests[0]! <= now - 60_000) tokenRequests.shift();
      if (now < slowUntil) {
        if (now - lastSlow < 1000) return { ok: false, retryAfterSeconds: 1 };
        lastSlow = now;
        return { ok: true };
      }
      if (tokenRequests.length >= TOKEN_REQUESTS_PER_MINUTE) {
        slowUntil = now + 60_000;
        lastSlow = now;
        return { ok: false, retryAfterSeconds: 1 };
      }
      tokenRequests.push(now);
      return { ok: true };
    },
  });

  const resource =
    (handler: MiddlewareHandler<V2Env>): MiddlewareHandler<V2Env> =>
    (c, next) =>
      c.req.path.startsWith('/v2/auth/') ? next() : handler(c, next);
  v2.use(
    '*',
    resource(async (c, next) => {
      await next();
      options.onResourceCall(c.res.status);
    }),
  );
  v2.use('*', resource(requireV2Token(tokens)));
  v2.use('/persons', requireScope('personio:persons:read'), limiter('persons'));
  v2.use('/persons/:id', requireScope('personio:persons:read'), limiter('persons'));
  v2.use('/persons/:id/employments', requireScope('personio:persons:read'), limiter('employments'));
  v2.use('/persons/:id/employments/*', requireScope('personio:persons:read'), limiter('employments'));
  v2.use('/absence-types', requireScope('personio:absences:read'), limiter('absence-types'));
  v2.use('/absence-types/*', requireScope('personio:absences:read'), limiter('absence-types'));
  v2.use('/absence-periods', requireScope('personio:absences:read'), limiter('absence-periods'));
  v2.use('/absence-periods/:id', requireScope('personio:absences:read'), limiter('absence-periods'));
  v2.use('/absence-periods/:id/breakdowns', requireScope('personio:absences:read'), limiter('breakdowns'));

  registerPersonRoutes(v2, options.directory);
  registerAbsenceRoutesV2(v2, options.book, options.directory, options.absenceIds);
  registerWebhookRoutes(v2, options.webhooks, options.now);

  v2.notFound((c) => problem(c, 404, `The endpoint with ${new URL(c.req.url).pathname} was not found.`));
  v2.onError((error, c) => {
    if (error instanceof V2RequestError) return problem(c, error.status, error.message);
    return problem(c, 500, 'Internal sandbox error.');
  });

  return { app: v2, expireTokens: () => tokens.revokeAll() };
}
