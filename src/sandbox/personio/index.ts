import { Hono } from 'hono';
import { matchedRoutes } from 'hono/route';
import { createAbsenceBook, type SeededBalance } from './absence-book';
import type { OffsetSemantics } from './absence-query';
import { registerAbsenceRoutes, type TimeOffWindow } from './absences';
import { registerAttendanceRoutes } from './attendances';
import {
  createTokenStore,
  registerAuthRoute,
  requireBearerToken,
  requireScope,
  type SandboxEnv,
} from './auth';
import { createSandboxChanges, registerControlRoutes, type SandboxChanges } from './control';
import {
  SANDBOX_CREDENTIALS,
  SANDBOX_NO_WEBHOOKS_CREDENTIAL,
  SANDBOX_V1_ONLY_CREDENTIAL,
  type SandboxCredential,
} from './credentials';
import { withChanges } from './directory-changes';
import { registerEmployeeWriteRoutes } from './employee-writes';
import { registerEmployeeRoutes } from './employees';
import { PersonioRequestError, personioError } from './errors';
import { createFaultState, faultInjection, resetFaultState, type SandboxFaults } from './faults';
import { registerProfilePictureRoute } from './profile-pictures';
import { createEmployeeDirectory } from './seed';
import { createV2AbsenceIds, type V2AbsenceIdMode } from './v2/absence-ids';
import { createSandboxV2, type V2RateLimit, type V2RateLimitGroup } from './v2/index';
import { webhookChangeListener } from './v2/webhook-events';
import {
  createWebhookHub,
  type WebhookDeliverySettings,
  type WebhookHub,
  type WebhookTransport,
} from './v2/webhook-hub';
import { registerV2AbsenceIdControl, registerWebhookControlRoutes } from './webhook-control';

export type { OffsetSemantics } from './absence-query';
export type { TimeOffWindow } from './absences';
export type { SandboxChanges } from './control';
export {
  SANDBOX_CREDENTIALS,
  SANDBOX_NO_WEBHOOKS_CREDENTIAL,
  SANDBOX_V1_ONLY_CREDENTIAL,
  type SandboxCredential,
} from './credentials';
export type { SandboxFaults } from './faults';
export { V2_ABSENCE_ID_MODES, type V2AbsenceIdMode } from './v2/absence-ids';
export { DEFAULT_V2_RATE_LIMITS, type V2RateLimit, type V2RateLimitGroup } from './v2/index';
export {
  DEFAULT_WEBHOOK_DELIVERY,
  type DeliveryAttempt,
  WEBHOOK_EVENT_NAMES,
  type WebhookDeliverySettings,
  type WebhookEventName,
  type WebhookTransport,
} from './v2/webhook-hub';

export interface PersonioSandboxOptions {
  /** number of seeded employees, 10..100000, default 100 */
  employees?: number;
  /** PRNG seed, default 1; same seed+size => identical data */
  seed?: number;
  /** default: SANDBOX_CREDENTIALS */
  credentials?: SandboxCredential[];
  /** default 86400 */
  tokenTtlSeconds?: number;
  /**
   * The simulator's clock, default () => new Date(): token expiry, change stamps, and the dates that take
   * effect (a future hire or termination); `advanceClock` moves it further. Seeded data does not depend on it.
   */
  now?: () => Date;
  /** how absence lists read `offset`; defaults follow each endpoint's spec text (see absence-query.ts) */
  offsetSemantics?: Partial<Record<'timeOffs' | 'absencePeriods' | 'timeOffTypes', OffsetSemantics>>;
  /** how GET /company/time-offs applies start_date; default 'overlap' (see absences.ts) */
  timeOffWindow?: TimeOffWindow;
  /** fault switches from the start; change them later with `setFaults` */
  faults?: SandboxFaults;
  /** v2 per-endpoint token buckets (defaults: DEFAULT_V2_RATE_LIMITS) */
  v2RateLimits?: Partial<Record<V2RateLimitGroup, V2RateLimit>>;
  /** v2 webhook retry schedule and timeout (default DEFAULT_WEBHOOK_DELIVERY: 6 attempts over ~3 days, 3 s) */
  webhookDelivery?: Partial<WebhookDeliverySettings>;
  /** how webhook deliveries leave, default a plain fetch (the gateway passes its egress-checked sender) */
  webhookTransport?: WebhookTransport;
  /**
   * How v2 names absence periods and types: `v1` (default) their v1 ids, `uuid` UUIDs of their own
   * (REFERENCE §1), in every v2 route and webhook payload. Switch later with `setV2AbsenceIds`.
   */
  v2AbsenceIds?: V2AbsenceIdMode;
}

export interface PersonioSandboxStats {
  /** successful + failed POST /v1/auth */
  authCalls: number;
  /** successful + failed POST /v2/auth/token */
  v2AuthCalls: number;
  /** all requests */
  requests: number;
  /** e.g. "GET /v1/company/employees" -> count (route pattern, not raw path) */
  byRoute: Record<string, number>;
  /** resource requests by answer status (faults included) */
  byStatus: Record<number, number>;
  /** arrival times (ms since epoch) of resource requests, kept while `recordArrivals` is on */
  arrivals: number[];
}

export interface PersonioSandbox {
  app: Hono;
  fetch: (request: Request) => Promise<Response>;
  /** live counters (mutable object) */
  stats: PersonioSandboxStats;
  resetStats(): void;
  /** revoke all issued tokens (simulates expiry); next resource call with an old token gets 401 */
  expireTokens(): void;
  employeeCount: number;
  /** the seeded employee ids in list order */
  employeeIds(): number[];
  /** the seeded absence balances of an employee (by Personio id), as the balance endpoint reports them */
  seededBalances(employeeId: number): SeededBalance[];
  /** switches how v2 names absences (see `v2AbsenceIds`); also `PUT /v1/_sandbox/v2-absence-ids` */
  setV2AbsenceIds(mode: V2AbsenceIdMode): void;
  /** replaces the fault switches (and restarts their seeded stream); `{}` turns every fault off */
  setFaults(faults: SandboxFaults): void;
  /** keep arrival times of resource requests in `stats.arrivals` (for rate measurements) */
  recordArrivals(on: boolean): void;
  /** HR's changes (hires, edits, terminations, absence decisions), as sandbox actions make them */
  changes: SandboxChanges;
  /**
   * Moves the simulator's clock forward by `ms` (on top of the `now` option); starts and terminations whose
   * date it reaches take effect at once (status, `employment.started`/`.terminated`), as they would overnight.
   */
  advanceClock(ms: number): void;
  /**
   * v2 webhook delivery: `attempts()` made so far, `configure` the retry schedule and timeout,
   * `setOutage({ mode: 'fail' | 'drop', forMs? })` / `setOutage(null)`, `stop()` cancels queued deliveries.
   * The same controls over HTTP: webhook-control.ts.
   */
  webhooks: Pick<
    WebhookHub,
    | 'companyId'
    | 'attempts'
    | 'clearAttempts'
    | 'settings'
    | 'configure'
    | 'outage'
    | 'setOutage'
    | 'pendingDeliveries'
    | 'stop'
  >;
}

const MIN_EMPLOYEES = 10;
const MAX_EMPLOYEES = 100_000;
/** Key for requests no route handles (they still count in `requests`). */
const UNMATCHED_ROUTE = '(unmatched)';

/** A Personio v1 simulator; runtime-neutral (Web APIs only) so it also runs inside a Worker. */
export function createPersonioSandbox(options: PersonioSandboxOptions = {}): PersonioSandbox {
  const employeeCount = options.employees ?? 100;
  const seed = options.seed ?? 1;
  const tokenTtlSeconds = options.tokenTtlSeconds ?? 86_400;
  if (!Number.isInteger(employeeCount) || employeeCount < MIN_EMPLOYEES || employeeCount > MAX_EMPLOYEES) {
    throw new RangeError(`employees must be an integer between ${MIN_EMPLOYEES} and ${MAX_EMPLOYEES}`);
  }
  if (!Number.isInteger(seed)) throw new RangeError('seed must be an integer');
  if (!(tokenTtlSeconds > 0)) throw new RangeError('tokenTtlSeconds must be positive');

  const baseNow = options.now ?? (() => new Date());
  let clockOffsetMs = 0;
  const now = () => (clockOffsetMs === 0 ? baseNow() : new Date(baseNow().getTime() + clockOffsetMs));
  // ASSUMED: Personio's company ids are numeric; the sandbox's follows the seed so two sandboxes differ.
  const webhooks = createWebhookHub({
    companyId: String(10_000 + seed),
    now,
    transport: options.webhookTransport,
    delivery: options.webhookDelivery,
  });
  const absenceIds = createV2AbsenceIds(options.v2AbsenceIds);
  const changeListener = webhookChangeListener(webhooks, absenceIds);
  const directory = withChanges(createEmployeeDirectory(seed, employeeCount), now, changeListener);
  const tokens = createTokenStore(tokenTtlSeconds, now);
  const stats: PersonioSandboxStats = {
    authCalls: 0,
    v2AuthCalls: 0,
    requests: 0,
    byRoute: {},
    byStatus: {},
    arrivals: [],
  };
  const faultState = createFaultState(options.faults);
  let recordingArrivals = false;

  const app = new Hono();
  app.use('*', async (c, next) => {
    stats.requests++;
    // Counted on arrival (a request whose answer comes late has still reached Personio). Middleware is
    // registered for method ALL; the first concrete route is the one the path addressed, even when the
    // bearer check answers before it runs.
    const route = matchedRoutes(c).find((candidate) => candidate.method !== 'ALL');
    const key = `${c.req.method} ${route?.path ?? UNMATCHED_ROUTE}`;
    stats.byRoute[key] = (stats.byRoute[key] ?? 0) + 1;
    // Dates reached since the last request take effect before it is answered (the `now` option may move).
    directory.applyDueDates();
    await next();
  });

  // v1 lives under its own prefix so a v2 sub-app can be mounted beside it later.
  const v1 = new Hono<SandboxEnv>();
  registerAuthRoute(v1, {
    credentials: options.credentials ?? [
      SANDBOX_CREDENTIALS.full,
      SANDBOX_CREDENTIALS.limited,
      SANDBOX_V1_ONLY_CREDENTIAL,
      SANDBOX_NO_WEBHOOKS_CREDENTIAL,
    ],
    tokens,
    onAuthCall: () => {
      stats.authCalls++;
    },
  });
  v1.use('/company/*', async (c, next) => {
    if (recordingArrivals) stats.arrivals.push(Date.now());
    await next();
    stats.byStatus[c.res.status] = (stats.byStatus[c.res.status] ?? 0) + 1;
  });
  v1.use('/company/*', requireBearerToken(tokens));
  v1.use('/company/*', requireScope());
  v1.use('/company/*', faultInjection(faultState, { expireTokens: () => tokens.revokeAll() }));
  registerEmployeeRoutes(v1, directory);
  registerEmployeeWriteRoutes(v1, directory);
  const absenceBook = createAbsenceBook(seed, directory, changeListener);
  const changes = createSandboxChanges(directory, absenceBook, now, changeListener);
  v1.use('/_sandbox/*', requireBearerToken(tokens));
  registerControlRoutes(v1, changes);
  registerWebhookControlRoutes(v1, webhooks);
  registerV2AbsenceIdControl(v1, absenceIds);
  registerAbsenceRoutes(v1, {
    book: absenceBook,
    directory,
    now,
    offsets: {
      timeOffs: options.offsetSemantics?.timeOffs ?? 'page',
      absencePeriods: options.offsetSemantics?.absencePeriods ?? 'page',
      timeOffTypes: options.offsetSemantics?.timeOffTypes ?? 'record',
    },
    timeOffWindow: options.timeOffWindow ?? 'overlap',
  });
  registerAttendanceRoutes(v1, { seed, directory, book: absenceBook, now });
  registerProfilePictureRoute(v1, directory);
  app.route('/v1', v1);

  const v2 = createSandboxV2({
    credentials: options.credentials ?? [
      SANDBOX_CREDENTIALS.full,
      SANDBOX_CREDENTIALS.limited,
      SANDBOX_V1_ONLY_CREDENTIAL,
      SANDBOX_NO_WEBHOOKS_CREDENTIAL,
    ],
    directory,
    book: absenceBook,
    tokenTtlSeconds,
    now,
    rateLimits: options.v2RateLimits,
    onAuthCall: () => {
      stats.v2AuthCalls++;
    },
    onResourceCall: (status) => {
      if (recordingArrivals) stats.arrivals.push(Date.now());
      stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
    },
    webhooks,
    absenceIds,
  });
  app.route('/v2', v2.app);

  app.notFound((c) => personioError(c, 404, `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`));
  app.onError((error, c) => {
    if (error instanceof PersonioRequestError) return personioError(c, error.status, error.message);
    return personioError(c, 500, 'Internal sandbox error.');
  });

  return {
    app,
    // Like a real server behind fetch: an aborted request (a client-side timeout) rejects at once.
    fetch: (request) => {
      const { signal } = request;
      if (signal.aborted) return Promise.reject(signal.reason);
      return new Promise<Response>((resolve, reject) => {
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        Promise.resolve(app.fetch(request)).then(resolve, reject);
      });
    },
    stats,
    resetStats() {
      stats.authCalls = 0;
      stats.v2AuthCalls = 0;
      stats.requests = 0;
      // In place, so callers holding `stats` or `stats.byRoute` keep seeing live numbers.
      for (const route of Object.keys(stats.byRoute)) delete stats.byRoute[route];
      for (const status of Object.keys(stats.byStatus)) delete stats.byStatus[Number(status)];
      stats.arrivals.length = 0;
    },
    setFaults: (faults) => resetFaultState(faultState, faults),
    setV2AbsenceIds: (mode) => absenceIds.setMode(mode),
    recordArrivals(on) {
      recordingArrivals = on;
    },
    expireTokens: () => {
      tokens.revokeAll();
      v2.expireTokens();
    },
    changes,
    advanceClock(ms) {
      if (!(ms >= 0)) throw new RangeError('the clock only moves forward');
      clockOffsetMs += ms;
      directory.applyDueDates();
    },
    webhooks,
    employeeCount,
    employeeIds: () => Array.from({ length: employeeCount }, (_, index) => directory.idAt(index)),
    seededBalances(employeeId) {
      const index = directory.indexOfId(employeeId);
      return index === undefined ? [] : absenceBook.balancesOf(index);
    },
  };
}
