import { and, eq, lt, sql } from 'drizzle-orm';
import type { Database } from '../client';
import { syncedBalances, syncedRecords, syncStates } from '../schema';
import type { AccountRef } from './sync';

const balancesOf = (ref: AccountRef) =>
  and(
    eq(syncedBalances.environmentId, ref.environmentId),
    eq(syncedBalances.linkedAccountId, ref.linkedAccountId),
  );

/** Writes the balances of these employees as seen by the refresh that began at `refreshedAt`. */
export async function upsertSyncedBalances(
  db: Database,
  input: AccountRef & { refreshedAt: Date; byEmployee: Map<string, Record<string, unknown>[]> },
): Promise<void> {
  if (input.byEmployee.size === 0) return;
  await db
    .insert(syncedBalances)
    .values(
      [...input.byEmployee].map(([employeeId, balances]) => ({
        environmentId: input.environmentId,
        linkedAccountId: input.linkedAccountId,
        employeeId,
        balances,
        refreshedAt: input.refreshedAt,
      })),
    )
    .onConflictDoUpdate({
      target: [syncedBalances.linkedAccountId, syncedBalances.employeeId],
      set: { balances: sql`excluded.balances`, refreshedAt: sql`excluded.refreshed_at` },
    });
}

/** After a complete refresh: employees it did not see are gone, and the copy is as of its start. */
export async function completeBalancesRefresh(
  db: Database,
  input: AccountRef & { refreshedAt: Date },
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .delete(syncedBalances)
      .where(and(balancesOf(input), lt(syncedBalances.refreshedAt, input.refreshedAt)));
    await tx
      .update(syncStates)
      .set({ balancesRefreshedAt: input.refreshedAt })
      .where(
        and(
          eq(syncStates.environmentId, input.environmentId),
          eq(syncStates.linkedAccountId, input.linkedAccountId),
        ),
      );
  });
}

export async function balancesRefreshedAt(db: Database, ref: AccountRef): Promise<Date | null> {
  const [state] = await db
    .select({ at: syncStates.balancesRefreshedAt })
    .from(syncStates)
    .where(
      and(
        eq(syncStates.environmentId, ref.environmentId),
        eq(syncStates.linkedAccountId, ref.linkedAccountId),
      ),
    )
    .limit(1);
  return state?.at ?? null;
}

const employeeOrder = sql`length(${syncedBalances.employeeId}), ${syncedBalances.employeeId}`;

/**
 * Employees' balances in Personio's employee order (by id), from `afterEmployee` on; at most `limit` employees;
 * with the start of the last complete refresh (`null` before the first). One statement and one row a page: in
 * PGlite each statement, each row and each jsonb value sent back costs more than finding the page.
 */
export async function listSyncedBalances(
  db: Database,
  input: AccountRef & { afterEmployee: string | null; fromEmployee?: string | undefined; limit: number },
): Promise<{
  refreshedAt: Date | null;
  rows: { employeeId: string; balances: Record<string, unknown>[] }[];
}> {
  const page = sql`(select ${syncedBalances.employeeId} as employee_id, ${syncedBalances.balances} as balances
    from ${syncedBalances}
    where ${and(
      balancesOf(input),
      input.fromEmployee !== undefined ? eq(syncedBalances.employeeId, input.fromEmployee) : undefined,
      input.afterEmployee !== null
        ? sql`(length(${syncedBalances.employeeId}), ${syncedBalances.employeeId}) >= (length(${input.afterEmployee}), ${input.afterEmployee})`
        : undefined,
    )}
    order by ${employeeOrder} limit ${input.limit})`;
  const [state] = await db
    .select({
      refreshedAt: syncStates.balancesRefreshedAt,
      // The page as one JSON text of [employee, balances] pairs: one value to decode instead of a row each.
      page: sql<
        string | null
      >`(select '[' || string_agg(json_build_array(p.employee_id, p.balances)::text, ',' order by length(p.employee_id), p.employee_id) || ']' from ${page} p)`,
    })
    .from(syncStates)
    .where(
      and(
        eq(syncStates.environmentId, input.environmentId),
        eq(syncStates.linkedAccountId, input.linkedAccountId),
      ),
    );
  const pairs = state?.page ? (JSON.parse(state.page) as [string, Record<string, unknown>[]][]) : [];
  return {
    refreshedAt: state?.refreshedAt ?? null,
    rows: pairs.map(([employeeId, balances]) => ({ employeeId, balances })),
  };
}

/**
 * Amounts of approved time-off requests in the copy per employee and type (`employee/type` keys), for requests
 * that started within [from, to] (inclusive dates): what `used` is derived from.
 */
export async function approvedAmounts(
  db: Database,
  input: AccountRef & { from: string; to: string },
): Promise<Map<string, number>> {
  const employee = sql<string>`(${syncedRecords.data}->'employee'->>'id')`;
  const type = sql<string>`(${syncedRecords.data}->'timeoff_type'->>'id')`;
  const rows = await db
    .select({
      employeeId: employee,
      typeId: type,
      amount: sql<string>`sum((${syncedRecords.data}->>'amount')::numeric)`,
    })
    .from(syncedRecords)
    .where(
      and(
        eq(syncedRecords.environmentId, input.environmentId),
        eq(syncedRecords.linkedAccountId, input.linkedAccountId),
        eq(syncedRecords.kind, 'timeoff_request'),
        sql`${syncedRecords.remoteDeletedAt} is null`,
        sql`${syncedRecords.data}->>'status' = 'approved'`,
        sql`${syncedRecords.data}->>'start_date' between ${input.from} and ${input.to}`,
      ),
    )
    .groupBy(employee, type);
  return new Map(rows.map((row) => [`${row.employeeId}/${row.typeId}`, Number(row.amount)]));
}
