import type { Database } from '../db/client';
import { insertEvents } from '../db/queries/events';
import {
  type AccountRef,
  databaseNow,
  lastCompletedPass,
  listEmployeeTimeoffsUnseen,
  loadSyncedRecords,
  tombstoneEmployeeTimeoffsUnseen,
  tombstoneRecord,
} from '../db/queries/sync';
import type { LinkedAccountSettings } from '../db/schema';
import { ApiError } from '../errors';
import { recordEvents } from '../events/types';
import type { Logger } from '../lib/logger';
import { sleep } from '../lib/sleep';
import type { InboundChange } from '../providers/definition';
import type { HrisProvider } from '../providers/types';
import { applyPage, enteringWindow, type Present, shown } from './pass';
import { type SyncWindow, syncWindow } from './settings';

export interface RecordRefreshContext {
  db: Database;
  provider: HrisProvider;
  ref: AccountRef;
  settings: LinkedAccountSettings;
  now: () => Date;
  logger: Logger;
  sleep?: (ms: number) => Promise<void>;
  /** How records show in events (field mappings), as in passes: the copy keeps them unmapped. */
  present?: Present;
}

const TRANSIENT = new Set(['rate_limited', 'provider_error', 'provider_unavailable', 'provider_timeout']);
const ATTEMPTS = 4;
/** The page size passes read time-off requests with. */
const SCOPE_PAGE_SIZE = 200;
/** Unified pages read for one employee's window; beyond it the read is incomplete and deletes nothing. */
const MAX_SCOPE_PAGES = 20;
/** Deletion candidates looked up per employee and notification (a call each), as a pass limits them. */
const MAX_DELETIONS_CHECKED = 200;

/**
 * Reads each named record again and writes it into the synced copy exactly as a pass would (compare-and-set
 * per record, the same events): a notification is only a hint, so a record that did not change writes
 * nothing, and the same notification twice produces its events once. A record the provider no longer has
 * becomes a tombstone and its `.deleted` event. Returns the number of events inserted.
 */
export async function refreshRecords(ctx: RecordRefreshContext, changes: InboundChange[]): Promise<number> {
  // Until a first pass has filled the copy, records enter it silently, as the first pass's would.
  const initial = (await lastCompletedPass(ctx.db, ctx.ref)) === undefined;
  const window = syncWindow(ctx.settings, ctx.now());
  const unique = new Map<string, InboundChange>();
  const employees = new Set<string>();
  for (const change of changes) {
    if (change.scope) {
      // An unresolved owner is the caller's to resolve (or to reconcile with a full pass).
      if (change.scope.employeeId !== null) employees.add(change.scope.employeeId);
    } else unique.set(`${change.kind} ${change.remoteId}`, change);
  }
  let events = 0;
  for (const employeeId of employees) {
    events += await refreshEmployeeTimeoffs(ctx, employeeId, window, initial);
  }
  for (const { kind, remoteId } of unique.values()) {
    const current = await withRetries<object | null>(ctx, () =>
      kind === 'employee'
        ? ctx.provider.getEmployee(remoteId, { includeRemoteData: false })
        : ctx.provider.getTimeoffRequest(remoteId, { includeRemoteData: false }),
    );
    events += await ctx.db.transaction(async (tx) => {
      const db = tx as unknown as Database;
      if (current === null) {
        const gone = await tombstoneRecord(db, { ...ctx.ref, kind, remoteId });
        if (!gone || initial) return 0;
        const produced = recordEvents(kind, shown(ctx.present, kind, gone.data), null);
        await insertEvents(db, { ...ctx.ref, events: produced });
        return produced.length;
      }
      const record = current as unknown as Record<string, unknown>;
      if (kind === 'timeoff_request' && !overlaps(record, window)) {
        // Outside the copy's window: passes do not keep it, so neither does a notification (unless kept already).
        const kept = await loadSyncedRecords(db, { ...ctx.ref, kind, remoteIds: [remoteId] });
        if (!kept.has(remoteId)) return 0;
      }
      return (await applyPage(db, ctx.ref, kind, [record], initial, undefined, ctx.present)).events;
    });
  }
  return events;
}

/**
 * Reads one employee's time-off requests in the window again, with the reader passes use filtered to the
 * employee, and reconciles that slice of the copy as a pass would: new → `.created`, changed → `.updated`,
 * kept but no longer returned → tombstone and `.deleted`. Compare-and-set throughout, so a repeat writes
 * nothing. Needs no id of the notification: the records' ids are the reader's.
 */
async function refreshEmployeeTimeoffs(
  ctx: RecordRefreshContext,
  employeeId: string,
  window: SyncWindow,
  initial: boolean,
): Promise<number> {
  // Records another writer sees after this instant are theirs to judge, never deleted here.
  const readFrom = await databaseNow(ctx.db);
  const records: Record<string, unknown>[] = [];
  let position: unknown = null;
  let complete = false;
  for (let pages = 0; pages < MAX_SCOPE_PAGES; pages++) {
    const page = await withRetries(ctx, () =>
      ctx.provider.listTimeoffRequests({
        limit: SCOPE_PAGE_SIZE,
        position,
        employeeId,
        startDate: window.start,
        endDate: window.end,
        includeRemoteData: false,
      }),
    );
    records.push(...(page.items as unknown as Record<string, unknown>[]));
    if (!page.next) {
      complete = true;
      break;
    }
    position = page.next;
  }
  if (!complete) {
    ctx.logger.warn('time-off of an employee read again only in part; deletions wait for the next pass', {
      linked_account_id: ctx.ref.linkedAccountId,
    });
  }
  // As in a pass: a walk over offset pages can miss a record when others are deleted while it runs, so what
  // the read did not return is looked up one by one, and only what the provider no longer has is deleted.
  const scope = {
    ...ctx.ref,
    employeeId,
    window,
    keep: records.map((record) => String(record.id)),
    seenBefore: readFrom,
  };
  const gone: string[] = [];
  if (complete) {
    const unseen = await listEmployeeTimeoffsUnseen(ctx.db, { ...scope, limit: MAX_DELETIONS_CHECKED });
    for (const candidate of unseen) {
      const current = await withRetries(ctx, () =>
        ctx.provider.getTimeoffRequest(candidate.remoteId, { includeRemoteData: false }),
      );
      if (current === null) gone.push(candidate.remoteId);
      else records.push(current as unknown as Record<string, unknown>);
    }
  }
  const entering = initial ? undefined : await enteringWindow(ctx.db, ctx.ref);
  return ctx.db.transaction(async (tx) => {
    const db = tx as unknown as Database;
    const applied = await applyPage(db, ctx.ref, 'timeoff_request', records, initial, entering, ctx.present);
    const deleted = await tombstoneEmployeeTimeoffsUnseen(db, { ...scope, remoteIds: gone });
    if (initial || deleted.length === 0) return applied.events;
    const produced = deleted.flatMap((record) =>
      recordEvents('timeoff_request', shown(ctx.present, 'timeoff_request', record.data), null),
    );
    await insertEvents(db, { ...ctx.ref, events: produced });
    return applied.events + produced.length;
  });
}

function overlaps(record: Record<string, unknown>, window: { start: string; end: string }): boolean {
  if (typeof record.start_date !== 'string') return true;
  const end = typeof record.end_date === 'string' ? record.end_date : null;
  return record.start_date <= window.end && (end === null || end >= window.start);
}

async function withRetries<T>(ctx: RecordRefreshContext, load: () => Promise<T>): Promise<T> {
  const wait = ctx.sleep ?? sleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await load();
    } catch (error) {
      if (!(error instanceof ApiError) || !TRANSIENT.has(error.code) || attempt >= ATTEMPTS) throw error;
      const retryAfter = Number(error.headers['Retry-After'] ?? error.headers['retry-after']);
      await wait(Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 500 * 2 ** attempt);
    }
  }
}
