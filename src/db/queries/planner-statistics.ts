import { sql } from 'drizzle-orm';
import type { Database } from '../client';

/**
 * Planner statistics for the synced copy. Embedded PostgreSQL (PGlite) has no autovacuum, so a copy filled by
 * a pass was never analyzed: the planner then estimates a handful of rows and reads a synced page with a
 * bitmap scan of every row after the cursor plus a sort (O(rows) a page, O(rows²) a walk) instead of the ordered
 * index scan that stops after one page. PostgreSQL's autovacuum takes care of it there (within a minute).
 * Table-wide, so no environment id: statistics describe the table, not a tenant's rows.
 */
export type AnalyzedTable = 'synced_records' | 'synced_balances';

/**
 * Where no autovacuum runs: analyzes `table` when it never was, or when `changedRows` (what the caller just
 * wrote) exceed autovacuum's default threshold (50 rows plus 10% of the table). Returns whether it did.
 */
export async function analyzeIfStale(
  db: Database,
  table: AnalyzedTable,
  changedRows: number,
): Promise<boolean> {
  // `reltuples` is -1 until the first ANALYZE (or VACUUM) of the table. A select, not execute(): the two
  // drivers shape execute()'s rows differently.
  const [row] = await db
    .select({
      reltuples: sql<number | string>`reltuples`,
      autovacuum: sql<boolean>`exists (select 1 from pg_stat_activity where backend_type = 'autovacuum launcher')`,
    })
    .from(sql`pg_class`)
    .where(sql`oid = to_regclass(${table})`);
  // Where autovacuum runs (PostgreSQL), it keeps the statistics; an ANALYZE of ours in the sync job's path there
  // only competed with it.
  if (row?.autovacuum) return false;
  const rows = row ? Number(row.reltuples) : -1;
  if (rows >= 0 && changedRows <= 50 + 0.1 * rows) return false;
  // SKIP_LOCKED: when autovacuum is at the table already, waiting for it would hold up the sync job.
  await db.execute(sql.raw(`analyze (skip_locked) ${table}`));
  return true;
}
