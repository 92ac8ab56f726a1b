import { and, desc, eq, getTableName, gte, inArray, lt, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../client';
import { requestLogs } from '../schema';

export type NewRequestLog = typeof requestLogs.$inferInsert;
export type RequestLogRow = typeof requestLogs.$inferSelect;

const COLUMNS = `id, environment_id, linked_account_id, api_key_id, method, route, status, duration_ms, error_code,
  upstream, retries, rate_limit_waits, rate_limit_wait_ms, token_exchanges, created_at`;

/**
 * How a database takes request logs. A row is encoded once, as the request ends, into the one string its
 * batch is written from: the writer then holds a flat string per row instead of an object graph (row, date,
 * upstream calls) that lives long enough to be promoted and traced by the old generation's GC.
 */
export interface RequestLogSink {
  encode(row: NewRequestLog): string;
  /** Writes encoded rows (of any environments) in one statement. */
  write(encoded: string[]): Promise<void>;
}

/**
 * PGlite: COPY text lines from an in-memory file; PostgreSQL: one JSON parameter unpacked by the server.
 * Which of the two is decided on first use, not here: on Workers the database is the request's own, and
 * there is none while the process's services are built.
 */
export function requestLogSink(db: Database): RequestLogSink {
  let chosen: RequestLogSink | undefined;
  const sink = () => {
    chosen ??= chooseSink(db);
    return chosen;
  };
  return { encode: (row) => sink().encode(row), write: (encoded) => sink().write(encoded) };
}

function chooseSink(db: Database): RequestLogSink {
  const embedded = blobCopyClient(db);
  if (!embedded) return jsonSink(db);
  // COPY parses plain text rows for about 40 % less CPU per row than unpacking a JSON parameter
  // (`bench/request-log-writes.ts`), and PGlite runs on the gateway's own thread.
  return {
    encode: copyLine,
    write: async (lines) => {
      if (lines.length === 0) return;
      await embedded.query(`copy ${getTableName(requestLogs)} (${COLUMNS}) from '/dev/blob'`, [], {
        blob: new Blob(lines),
      });
    },
  };
}

/** Writes a batch of request logs (of any environments) in one statement. */
export async function insertRequestLogs(db: Database, rows: NewRequestLog[]): Promise<void> {
  const sink = requestLogSink(db);
  await sink.write(rows.map(sink.encode));
}

/** The batch as one JSON parameter (PostgreSQL; on PGlite only to compare with COPY in the bench). */
export async function insertRequestLogsAsJson(db: Database, rows: NewRequestLog[]): Promise<void> {
  const sink = jsonSink(db);
  await sink.write(rows.map(sink.encode));
}

function jsonSink(db: Database): RequestLogSink {
  return {
    encode: (row) =>
      JSON.stringify({
        id: row.id,
        environment_id: row.environmentId,
        linked_account_id: row.linkedAccountId ?? null,
        api_key_id: row.apiKeyId ?? null,
        method: row.method,
        route: row.route,
        status: row.status,
        duration_ms: row.durationMs,
        error_code: row.errorCode ?? null,
        upstream: row.upstream,
        retries: row.retries,
        rate_limit_waits: row.rateLimitWaits,
        rate_limit_wait_ms: row.rateLimitWaitMs,
        token_exchanges: row.tokenExchanges,
        created_at: (row.createdAt ?? new Date()).toISOString(),
      }),
    write: async (records) => {
      if (records.length === 0) return;
      // One JSON parameter unpacked by the server: building a many-row insert with the query builder cost
      // the gateway more CPU per logged call than the rest of the logging together (per-value entity checks).
      await db.execute(sql`
        insert into ${requestLogs} (${sql.raw(COLUMNS)})
        select ${sql.raw(COLUMNS)}
        from json_to_recordset(${`[${records.join(',')}]`}::json) as r(id text, environment_id text,
          linked_account_id text, api_key_id text, method text, route text, status integer, duration_ms integer,
          error_code text, upstream json, retries integer, rate_limit_waits integer, rate_limit_wait_ms integer,
          token_exchanges integer, created_at timestamptz)`);
    },
  };
}

/** PGlite's client, which reads `COPY … FROM '/dev/blob'` from a `Blob` it is given; postgres.js has none. */
interface BlobCopyClient {
  query(statement: string, params: unknown[], options: { blob: Blob }): Promise<unknown>;
}

function blobCopyClient(db: Database): BlobCopyClient | undefined {
  const client = (db as unknown as { $client?: { execProtocol?: unknown; query?: unknown } }).$client;
  return client && typeof client.execProtocol === 'function' && typeof client.query === 'function'
    ? (client as BlobCopyClient)
    : undefined;
}

/** COPY's text format escapes: backslash, and the characters that separate fields and rows. */
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const COPY_SPECIAL = /[\\\t\n\r]/g;
const HAS_COPY_SPECIAL = /[\\\t\n\r]/;

function copyField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'number') return String(value);
  return HAS_COPY_SPECIAL.test(value)
    ? value.replace(COPY_SPECIAL, (character) => COPY_ESCAPES[character]!)
    : value;
}

/** One row in COPY's text format, in `COLUMNS` order, ending with its newline. */
export function copyLine(row: NewRequestLog): string {
  return (
    `${copyField(row.id)}\t${copyField(row.environmentId)}\t${copyField(row.linkedAccountId)}\t` +
    `${copyField(row.apiKeyId)}\t${copyField(row.method)}\t${copyField(row.route)}\t${copyField(row.status)}\t` +
    `${copyField(row.durationMs)}\t${copyField(row.errorCode)}\t${copyField(JSON.stringify(row.upstream))}\t` +
    `${copyField(row.retries)}\t${copyField(row.rateLimitWaits)}\t${copyField(row.rateLimitWaitMs)}\t` +
    `${copyField(row.tokenExchanges)}\t${copyField((row.createdAt ?? new Date()).toISOString())}\n`
  );
}

export interface RequestLogFilters {
  linkedAccountId?: string | undefined;
  route?: string | undefined;
  /** An exact status, or a class (`400` to `499` for `4xx`). */
  status?: { from: number; to: number } | undefined;
  createdAfter?: Date | undefined;
  createdBefore?: Date | undefined;
}

/** A page of one environment's request logs, newest first, below `beforeSeq` when given. */
export async function listRequestLogsPage(
  db: Database,
  input: { environmentId: string; filters: RequestLogFilters; beforeSeq: number | null; limit: number },
): Promise<{ rows: RequestLogRow[]; hasMore: boolean }> {
  const { filters } = input;
  const conditions: (SQL | undefined)[] = [
    eq(requestLogs.environmentId, input.environmentId),
    input.beforeSeq === null ? undefined : lt(requestLogs.seq, input.beforeSeq),
    filters.linkedAccountId ? eq(requestLogs.linkedAccountId, filters.linkedAccountId) : undefined,
    filters.route ? eq(requestLogs.route, filters.route) : undefined,
    filters.status ? gte(requestLogs.status, filters.status.from) : undefined,
    filters.status ? lt(requestLogs.status, filters.status.to + 1) : undefined,
    filters.createdAfter ? gte(requestLogs.createdAt, filters.createdAfter) : undefined,
    filters.createdBefore ? lt(requestLogs.createdAt, filters.createdBefore) : undefined,
  ];
  const rows = await db
    .select()
    .from(requestLogs)
    .where(and(...conditions))
    .orderBy(desc(requestLogs.seq))
    .limit(input.limit + 1);
  return { rows: rows.slice(0, input.limit), hasMore: rows.length > input.limit };
}

/** Retention (every environment): drops request logs older than `before`, in batches; returns how many went. */
export async function deleteRequestLogsBefore(
  db: Database,
  input: { before: Date; batch: number },
): Promise<number> {
  const rows = await db
    .delete(requestLogs)
    .where(
      inArray(
        requestLogs.seq,
        db
          .select({ seq: requestLogs.seq })
          .from(requestLogs)
          .where(lt(requestLogs.createdAt, input.before))
          .limit(input.batch),
      ),
    )
    .returning({ seq: requestLogs.seq });
  return rows.length;
}
