import type { Database } from '../db/client';
import { type AnalyzedTable, analyzeIfStale } from '../db/queries/planner-statistics';
import type { Logger } from '../lib/logger';

/**
 * After sync wrote `changedRows` rows of `table`: fresh planner statistics keep synced reads on their index
 * (see db/queries/planner-statistics.ts). Best effort: without them reads are slower, not wrong.
 */
export async function keepStatisticsFresh(
  db: Database,
  logger: Logger,
  table: AnalyzedTable,
  changedRows: number,
): Promise<void> {
  try {
    if (await analyzeIfStale(db, table, changedRows))
      logger.debug('analyzed', { table, changed_rows: changedRows });
  } catch (error) {
    logger.warn('could not refresh planner statistics', {
      table,
      error: error instanceof Error ? `${error.name}: ${error.message}` : 'non-Error thrown',
    });
  }
}
