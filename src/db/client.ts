import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type * as schema from './schema';

/** A drizzle database over postgres.js (production) or PGlite (embedded); queries take it first. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

/** How long opening a connection may take unless the caller says (DATABASE_CONNECT_TIMEOUT_MS). */
const DEFAULT_CONNECT_TIMEOUT_MS = 1000;

/**
 * postgres.js settings that keep a database outage short for callers: opening a connection gives up
 * after `connectTimeoutMs`, and a failed attempt is not followed by postgres.js's growing back-off (up
 * to 20 s, which a waiting query would sit through and which would delay recovery by as much): with the
 * server down each query fails fast, and once it is back the next one connects.
 */
export function postgresConnectionOptions(connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS) {
  return { connect_timeout: connectTimeoutMs / 1000, backoff: () => 0 };
}

/** postgres.js's own connection failures, and the socket errors it passes on. */
const CONNECTION_FAILURES = new Set([
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** SQLSTATEs of a server that is going away, starting up or full: the request was fine, the database is not. */
const SERVER_UNAVAILABLE = /^(08...|57P0[123]|53300)$/;

/**
 * Whether an error (drizzle wraps the driver's in `cause`) means the database could not be reached,
 * rather than a query that is wrong: that is `503`, not a gateway bug.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (CONNECTION_FAILURES.has(code) || SERVER_UNAVAILABLE.test(code))) {
      return true;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
