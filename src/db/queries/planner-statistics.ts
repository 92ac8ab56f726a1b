import { sql } from 'drizzle-orm';
import type { Database } from '../client';

/**
 * Planner statistics for the synced copy. Embedded PostgreSQL (PGlite) has no autovacuum, so a copy filled by
 * a pass was never analyzed: the planner then estimates a handful of rows and reads a synced page with a
 * bitmap scan of every row after the cursor plus a sort (O(rows) a page, O(rows²) a walk) instead of the ordered
 * index scan that stops after one page. PostgreSQL's autovacuum gets there too, up to a minute later.
 * Table-wide, so no environment id: statistics describe the table, not a tenant's rows.
 */
export type AnalyzedTable = 'synced_records' | 'synced_balances';

/**
 * Analyzes `table` when it never was, or when `changedRows` (what the caller just wrote) exceed autovacuum's
 * default threshold (50 rows plus 10% of the table). Returns whether it did.
 */
export async function analyzeIfStale(
  db: Database,
  table: AnalyzedTable,
  changedRows: number,
): Promise<boolean> {
  // `reltuples` is -1 until the first ANALYZE (or VACUUM) of the table.
  // A select, not execute(): the two drivers shape execute()'s rows differently.
  const [row] = await db
    .select({ reltuples: sql<number | string>`reltuples` })
    .from(sql`pg_class`)
    .where(sql`oid = to_regclass(${table})`);
  const rows = row ? Number(row.reltuples) : -1;
  if (rows >= 0 && changedRows <= 50 + 0.1 * rows) return false;
  await db.execute(sql.raw(`analyze ${table}`));
  return true;
}
