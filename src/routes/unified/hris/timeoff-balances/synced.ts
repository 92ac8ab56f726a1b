import type { Services } from '../../../../context';
import { listSyncedBalances as listBalanceRows } from '../../../../db/queries/synced-balances';
import type { SyncedKey } from '../../../../db/queries/synced-reads';
import type { LinkedAccount } from '../../../../db/schema';
import { ApiError } from '../../../../errors';
import type { TimeoffBalance } from '../../../../models/timeoff';
import type { SyncedPage } from '../../source';

/**
 * Balances from the copy that sync refreshes on its own schedule (daily by default): Personio's records in the
 * live list's order (by employee, then as Personio lists the employee's types), with `used` as derived at the
 * refresh. The cursor is the employee and how many of its balances were handed out. `X-Roster-Data-As-Of` is
 * the start of the last refresh.
 */
export async function listSyncedBalances(
  services: Pick<Services, 'db'>,
  linkedAccount: Pick<LinkedAccount, 'id' | 'environmentId'>,
  query: { limit: number; employee_id?: string | undefined },
  after: SyncedKey | null,
): Promise<SyncedPage<TimeoffBalance>> {
  const db = services.db;
  const ref = { environmentId: linkedAccount.environmentId, linkedAccountId: linkedAccount.id };
  const { refreshedAt, rows } = await listBalanceRows(db, {
    ...ref,
    afterEmployee: after ? after[2] : null,
    fromEmployee: query.employee_id,
    // Every stored employee has at least one balance: one employee more than the page tells whether more follow.
    limit: query.limit + 1,
  });
  if (!refreshedAt) {
    throw new ApiError(
      'conflict',
      'The synced balances of this linked account are not ready: sync has not completed a refresh of them yet ' +
        '(the first follows the first pass). Read with source=live meanwhile.',
      { details: { source: 'synced', balances_refreshed_at: null } },
    );
  }
  const items: TimeoffBalance[] = [];
  for (const row of rows) {
    const skip = after && row.employeeId === after[2] ? after[1] : 0;
    for (let index = skip; index < row.balances.length; index++) {
      if (items.length === query.limit) return { items, next: [0, index, row.employeeId], asOf: refreshedAt };
      items.push(row.balances[index] as TimeoffBalance);
    }
  }
  return { items, next: null, asOf: refreshedAt };
}
