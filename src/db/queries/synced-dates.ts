import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from '../client';
import { syncedRecords } from '../schema';
import type { AccountRef } from './sync';

/**
 * Employees in the copy whose hire or termination date lies in [from, to] (`YYYY-MM-DD`, inclusive) while the
 * copy does not yet show the status that date brings (`pending` past its hire date, anything but `inactive`
 * past its termination date): the status may have changed upstream by date, with no edit a change filter sees.
 * Records already showing it are left out, so each such person is read again only until the change is seen.
 */
export async function employeesWithDatesTakingEffect(
  db: Database,
  input: AccountRef & { from: string; to: string; limit: number },
): Promise<string[]> {
  const hireDate = sql`${syncedRecords.data}->>'hire_date'`;
  const terminationDate = sql`${syncedRecords.data}->>'termination_date'`;
  const status = sql`${syncedRecords.data}->>'employment_status'`;
  const rows = await db
    .select({ remoteId: syncedRecords.remoteId })
    .from(syncedRecords)
    .where(
      and(
        eq(syncedRecords.environmentId, input.environmentId),
        eq(syncedRecords.linkedAccountId, input.linkedAccountId),
        eq(syncedRecords.kind, 'employee'),
        isNull(syncedRecords.remoteDeletedAt),
        sql`((${hireDate} between ${input.from} and ${input.to} and ${status} = 'pending')
          or (${terminationDate} between ${input.from} and ${input.to} and ${status} <> 'inactive'))`,
      ),
    )
    .orderBy(syncedRecords.remoteId)
    .limit(input.limit);
  return rows.map((row) => row.remoteId);
}
