import type { RequestLogUpstreamCall } from '../db/schema';

/**
 * What one gateway request did upstream, filled in by the provider client while the request runs.
 * The request-log middleware creates it and reads it when the answer is ready. It is handed down
 * explicitly (request → provider factory → per-request client handle), not through an async context:
 * on Node an `AsyncLocalStorage` costs a promise hook on every await of the request.
 */
export interface RequestTrace {
  upstream: RequestLogUpstreamCall[];
  retries: number;
  rateLimitWaits: number;
  rateLimitWaitMs: number;
  tokenExchanges: number;
  /**
   * Set once the request is answered: work it started that outlives it (a page read ahead with its client
   * handle) is not its own.
   */
  closed: boolean;
}

/** At most this many upstream calls are kept per request (a long crawl keeps its first ones and a count). */
export const MAX_TRACED_UPSTREAM_CALLS = 50;
const MAX_PATH_LENGTH = 300;

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

/** The request's trace while it is still open; calls without one (sync passes, the CLI) are not traced. */
function openTrace(trace: RequestTrace | undefined): RequestTrace | undefined {
  return trace && !trace.closed ? trace : undefined;
}

/** One attempt of an upstream call: the path only (the query can carry data, the body always does). */
export function traceUpstreamCall(
  requestTrace: RequestTrace | undefined,
  method: string,
  url: URL,
  status: number | null,
  durationMs: number,
  attempt: number,
): void {
  const trace = openTrace(requestTrace);
  if (!trace || trace.upstream.length >= MAX_TRACED_UPSTREAM_CALLS) return;
  trace.upstream.push({
    method,
    path: url.pathname.slice(0, MAX_PATH_LENGTH),
    status,
    duration_ms: Math.round(durationMs),
    attempt,
  });
}

export function traceRetry(requestTrace: RequestTrace | undefined): void {
  const trace = openTrace(requestTrace);
  if (trace) trace.retries++;
}

export function traceRateLimitWait(requestTrace: RequestTrace | undefined, waitedMs: number): void {
  const trace = openTrace(requestTrace);
  if (!trace) return;
  trace.rateLimitWaits++;
  trace.rateLimitWaitMs += Math.round(waitedMs);
}

export function traceTokenExchange(requestTrace: RequestTrace | undefined): void {
  const trace = openTrace(requestTrace);
  if (trace) trace.tokenExchanges++;
}
