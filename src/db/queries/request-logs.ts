import { and, desc, eq, gte, inArray, lt, type SQL } from 'drizzle-orm';
import type { Database } from '../client';
import { requestLogs } from '../schema';

export type NewRequestLog = typeof requestLogs.$inferInsert;
export type RequestLogRow = typeof requestLogs.$inferSelect;

/** Writes a batch of request logs (of any environments) in one statement. */
export async function insertRequestLogs(db: Database, rows: NewRequestLog[]): Promise<void> {
  if (rows.length === 0) return;
  await db.insert(requestLogs).values(rows);
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
