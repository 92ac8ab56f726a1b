import type { Database } from '../db/client';
import { type AccountRef, lastCompletedPass } from '../db/queries/sync';
import {
  approvedAmounts,
  balancesRefreshedAt,
  completeBalancesRefresh,
  upsertSyncedBalances,
} from '../db/queries/synced-balances';
import type { LinkedAccountSettings } from '../db/schema';
import type { Logger } from '../lib/logger';
import type { HrisProvider } from '../providers/types';
import { unlessStopped } from './pass';
import { keepStatisticsFresh } from './statistics';

export const BALANCES_DEFAULT_INTERVAL_MINUTES = 1440;
const PAGE_SIZE = 200;

export function balancesIntervalMinutes(settings: LinkedAccountSettings): number {
  return settings.sync_balances_interval_minutes ?? BALANCES_DEFAULT_INTERVAL_MINUTES;
}

/** Balances cost a Personio call per employee, so they are refreshed on their own, slower schedule. */
export async function balancesDue(
  db: Database,
  ref: AccountRef,
  settings: LinkedAccountSettings,
  now: Date,
): Promise<boolean> {
  const last = await balancesRefreshedAt(db, ref);
  return last === null || last.getTime() + balancesIntervalMinutes(settings) * 60_000 <= now.getTime();
}

/**
 * Walks every employee's balances (the live list, page by page, in the background priority of the pass) and
 * stores them per employee; only a complete walk drops employees it did not see and moves the copy's time.
 * `refreshedAt` is the walk's start: every balance Personio had then is in the copy.
 */
export async function refreshBalances(deps: {
  db: Database;
  provider: HrisProvider;
  ref: AccountRef;
  now: () => Date;
  logger: Logger;
  /** Aborted when the process stops: the walk ends without its current page (the copy keeps its previous time). */
  signal?: AbortSignal;
}): Promise<{ employees: number; balances: number }> {
  const refreshedAt = deps.now();
  const used = await usedThisYear(deps.db, deps.ref, refreshedAt);
  let position: unknown = null;
  const seen = new Set<string>();
  let count = 0;
  // An employee's balances may straddle two pages: collect until the employee changes, then write.
  let pending = new Map<string, Record<string, unknown>[]>();
  for (;;) {
    const page = await unlessStopped(
      deps.provider.listTimeoffBalances({ limit: PAGE_SIZE, position }),
      deps.signal,
    );
    for (const balance of page.items) {
      const employeeId = balance.employee.id;
      if (!pending.has(employeeId)) pending.set(employeeId, []);
      const taken = used ? (used.get(`${employeeId}/${balance.timeoff_type.id}`) ?? 0) : null;
      pending.get(employeeId)!.push({ ...balance, used: taken });
      seen.add(employeeId);
      count++;
    }
    const last = page.items.at(-1)?.employee.id;
    const complete = new Map([...pending].filter(([employeeId]) => !page.next || employeeId !== last));
    await upsertSyncedBalances(deps.db, { ...deps.ref, refreshedAt, byEmployee: complete });
    pending = new Map([...pending].filter(([employeeId]) => !complete.has(employeeId)));
    if (!page.next) break;
    position = page.next;
  }
  // A refresh rewrites every employee's row; analyzed before the refresh is complete, so its first reads plan
  // with the new statistics.
  await keepStatisticsFresh(deps.db, deps.logger, 'synced_balances', seen.size);
  await completeBalancesRefresh(deps.db, { ...deps.ref, refreshedAt });
  deps.logger.info('synced balances refreshed', {
    linked_account_id: deps.ref.linkedAccountId,
    employees: seen.size,
    balances: count,
  });
  return { employees: seen.size, balances: count };
}

/**
 * `used`, which Personio v1 does not report: the approved absences of each employee and type that started between
 * 1 January and today, summed from the synced time-off requests (the pass just before brought them up to date).
 * Derivable only while the copy's window reaches back to 1 January; a type whose period is not the calendar
 * year counts differently in Personio (documented).
 */
async function usedThisYear(db: Database, ref: AccountRef, now: Date): Promise<Map<string, number> | null> {
  const copy = await lastCompletedPass(db, ref);
  const today = now.toISOString().slice(0, 10);
  const yearStart = `${today.slice(0, 4)}-01-01`;
  if (!copy?.window || copy.window.start > yearStart) return null;
  return approvedAmounts(db, { ...ref, from: yearStart, to: today });
}
