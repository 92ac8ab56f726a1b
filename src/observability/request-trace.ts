import type { RequestLogUpstreamCall } from '../db/schema';
import { newAsyncContext } from '../lib/async-context';

/**
 * What one gateway request did upstream, filled in by the provider client while the request runs.
 * The request-log middleware creates it and reads it when the answer is ready.
 */
export interface RequestTrace {
  upstream: RequestLogUpstreamCall[];
  retries: number;
  rateLimitWaits: number;
  rateLimitWaitMs: number;
  tokenExchanges: number;
  /**
   * Set once the request is answered: work it started that outlives it (a sync pass it asked for, a page
   * read ahead) runs in its async context but is not its own.
   */
  closed: boolean;
}

/**
 * Where the trace of the running request lives: `AsyncLocalStorage` (Node, and Workers with
 * nodejs_compat) fits this shape. Injected by the runtime entry, since `app.ts` imports no Node module.
 */
export interface TraceStorage {
  run<T>(trace: RequestTrace, callback: () => T): T;
  getStore(): RequestTrace | undefined;
}

/** At most this many upstream calls are kept per request (a long crawl keeps its first ones and a count). */
export const MAX_TRACED_UPSTREAM_CALLS = 50;
const MAX_PATH_LENGTH = 300;

// One per process (the runtime installs it once): provider clients are shared by every request, so the
// running request is found through the async context rather than passed down through them.
let storage: TraceStorage | undefined;

export function installTraceStorage(traceStorage: TraceStorage | undefined): void {
  storage = traceStorage;
}

export function traceStorage(): TraceStorage | undefined {
  return storage;
}

export function newTrace(): RequestTrace {
  return {
    upstream: [],
    retries: 0,
    rateLimitWaits: 0,
    rateLimitWaitMs: 0,
    tokenExchanges: 0,
    closed: false,
  };
}

/** The running request's trace, while it is still open. */
function openTrace(): RequestTrace | undefined {
  const trace = storage?.getStore();
  return trace && !trace.closed ? trace : undefined;
}

/** One attempt of an upstream call: the path only (the query can carry data, the body always does). */
export function traceUpstreamCall(
  method: string,
  url: URL,
  status: number | null,
  durationMs: number,
  attempt: number,
): void {
  const trace = openTrace();
  if (!trace || trace.upstream.length >= MAX_TRACED_UPSTREAM_CALLS) return;
  trace.upstream.push({
    method,
    path: url.pathname.slice(0, MAX_PATH_LENGTH),
    status,
    duration_ms: Math.round(durationMs),
    attempt,
  });
}

export function traceRetry(): void {
  const trace = openTrace();
  if (trace) trace.retries++;
}

export function traceRateLimitWait(waitedMs: number): void {
  const trace = openTrace();
  if (!trace) return;
  trace.rateLimitWaits++;
  trace.rateLimitWaitMs += Math.round(waitedMs);
}

export function traceTokenExchange(): void {
  const trace = openTrace();
  if (trace) trace.tokenExchanges++;
}

let builtIn: TraceStorage | undefined;

/** One per process: every app of the process (tests start several) shares it. */
export function builtInTraceStorage(): TraceStorage | undefined {
  builtIn ??= newAsyncContext<RequestTrace>();
  return builtIn;
}
