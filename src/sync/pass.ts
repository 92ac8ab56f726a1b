import type { Database } from '../db/client';
import { insertEvents } from '../db/queries/events';
import {
  type AccountRef,
  finishSyncPass,
  getSyncPass,
  insertSyncedRecord,
  lastCompletedPass,
  listUnseen,
  loadSyncedRecords,
  renewSyncLease,
  replaceSyncedRecord,
  requestSyncPass,
  saveSyncProgress,
  tombstoneUnseen,
  touchSyncedRecords,
} from '../db/queries/sync';
import { employeesWithDatesTakingEffect } from '../db/queries/synced-dates';
import type { LinkedAccountSettings, SyncCounts, SyncedKind, SyncPass, SyncPosition } from '../db/schema';
import { ApiError } from '../errors';
import { type NewEvent, recordEvents } from '../events/types';
import type { Logger } from '../lib/logger';
import type { HrisProvider } from '../providers/types';
import { contentHash, stableJson, storable } from './content';
import { type SyncWindow, syncWindow } from './settings';
import { keepStatisticsFresh } from './statistics';

/** The order a pass walks in; deletions follow once all three are complete. */
export const STAGES: readonly SyncedKind[] = ['timeoff_type', 'employee', 'timeoff_request'];
const PAGE_SIZE = 200;
/**
 * Deletion candidates looked up per kind and pass (a call each); more wait for the next full pass, so a mass
 * deletion is seen over several passes rather than a broken walk deleting everything at once.
 */
const MAX_DELETIONS_CHECKED = 200;
/**
 * Employees an incremental pass reads again because a hire or termination date of theirs came (a call each);
 * with more, the pass reads this many and asks for a full pass, which reads everyone.
 */
export const MAX_DATE_REREADS = 500;
const DAY_MS = 86_400_000;

/** Another process took the account's lease (ours expired): stop without touching the pass. */
export class LeaseLostError extends Error {
  constructor() {
    super('the sync lease of this linked account was taken over by another process');
    this.name = 'LeaseLostError';
  }
}

/** The process is stopping: the pass stopped at a page boundary and stays running for the next holder to resume. */
export class PassStoppedError extends Error {
  constructor() {
    super('the sync pass was stopped at a page boundary because the process is stopping');
    this.name = 'PassStoppedError';
  }
}

export interface PassContext {
  db: Database;
  provider: HrisProvider;
  ref: AccountRef;
  owner: string;
  leaseTtlMs: number;
  settings: LinkedAccountSettings;
  now: () => Date;
  logger: Logger;
  sleep: (ms: number) => Promise<void>;
  /** Upstream failures a page may retry (after the client's own retries) before the pass fails. */
  pageAttempts?: number;
  /** Aborted when the process stops: the pass ends at the next page boundary (`PassStoppedError`). */
  signal?: AbortSignal;
  /**
   * How events show a record (field mappings). The copy keeps records as the provider mapped them, so a
   * change of presentation alone rewrites nothing and emits nothing.
   */
  present?: Present;
  /** At most this many date re-reads per incremental pass (default MAX_DATE_REREADS). */
  maxDateRereads?: number;
}

export type Present = (kind: SyncedKind, record: Record<string, unknown>) => Record<string, unknown>;

/** Errors after which the same page is worth asking for again a little later. */
const TRANSIENT = new Set(['rate_limited', 'provider_error', 'provider_unavailable', 'provider_timeout']);

/**
 * Walks the account's records from where `pass` stands, page by page; each page's records, events and
 * progress commit together, so a pass cut short resumes at the next page and a repeated page writes
 * nothing. Deletions are only decided after every stage is complete.
 */
export async function runPass(ctx: PassContext, pass: SyncPass): Promise<SyncPass> {
  const counts: SyncCounts = { ...pass.counts };
  const start = pass.position ?? { stage: 'timeoff_type', position: null };
  const window = start.window ?? syncWindow(ctx.settings, ctx.now());
  const ref = ctx.ref;
  const firstStage = start.stage === 'deletions' ? STAGES.length : STAGES.indexOf(start.stage);
  const since = pass.mode === 'incremental' && start.since ? new Date(start.since) : undefined;
  const entering = pass.initial ? undefined : await enteringWindow(ctx.db, ref);

  for (let stageIndex = firstStage; stageIndex < STAGES.length; stageIndex++) {
    const kind = STAGES[stageIndex]!;
    let position: unknown = stageIndex === firstStage ? start.position : null;
    for (;;) {
      stopIfAborted(ctx);
      const page = await withPageRetries(ctx, () =>
        unlessStopped(loadPage(ctx.provider, kind, position, window, since), ctx.signal),
      );
      const next: SyncPosition = page.next
        ? { stage: kind, position: page.next, window, since: start.since }
        : { stage: STAGES[stageIndex + 1] ?? 'deletions', position: null, window, since: start.since };
      await ctx.db.transaction(async (tx) => {
        const db = tx as unknown as Database;
        await holdLease(db, ctx);
        const applied = await applyPage(db, ref, kind, page.items, pass.initial, entering, ctx.present);
        counts.upstream_pages++;
        counts.records_seen += page.items.length;
        counts.created += applied.created;
        counts.updated += applied.updated;
        counts.events += applied.events;
        await saveSyncProgress(db, { ...ref, passId: pass.id, position: next, counts });
      });
      ctx.logger.debug('sync page written', {
        linked_account_id: ref.linkedAccountId,
        pass_id: pass.id,
        kind,
        position: JSON.stringify(position),
        records: page.items.length,
        first: page.items[0]?.id,
        last: page.items.at(-1)?.id,
      });
      if (!page.next) break;
      position = page.next;
    }
  }

  if (since) {
    await rereadDatesTakingEffect(ctx, pass, counts, since, entering, {
      stage: 'deletions',
      position: null,
      window,
      since: start.since,
    });
  }

  // A walk over offset pages can miss a record when others are deleted while it runs (they shift up a
  // page): what the walk did not see is looked up one by one, and only what Personio no longer has is
  // deleted. Types come in one unpaged answer, so a type missing from it is gone.
  const confirmed = new Map<SyncedKind, string[]>();
  for (const kind of pass.mode === 'full' ? STAGES : []) {
    const windowOf = kind === 'timeoff_request' ? window : undefined;
    const unseen = await listUnseen(ctx.db, {
      ...ref,
      kind,
      passId: pass.id,
      window: windowOf,
      limit: MAX_DELETIONS_CHECKED,
    });
    const gone: string[] = [];
    for (const record of unseen) {
      stopIfAborted(ctx);
      if (kind === 'timeoff_type') {
        gone.push(record.remoteId);
        continue;
      }
      const current = await withPageRetries(ctx, () =>
        unlessStopped(lookUp(ctx.provider, kind, record.remoteId), ctx.signal),
      );
      if (current === null) {
        gone.push(record.remoteId);
        continue;
      }
      await ctx.db.transaction(async (tx) => {
        const db = tx as unknown as Database;
        await holdLease(db, ctx);
        const applied = await applyPage(db, ref, kind, [current], pass.initial, entering, ctx.present);
        counts.upstream_pages++;
        counts.records_seen++;
        counts.created += applied.created;
        counts.updated += applied.updated;
        counts.events += applied.events;
      });
    }
    confirmed.set(kind, gone);
  }

  // Before the pass completes: its first synced reads plan with the copy's new statistics, and the job's work
  // after the pass (while it still holds the account) stays as short as it was.
  await keepStatisticsFresh(ctx.db, ctx.logger, 'synced_records', counts.created + counts.updated);

  return ctx.db.transaction(async (tx) => {
    const db = tx as unknown as Database;
    await holdLease(db, ctx);
    const events: NewEvent[] = [];
    for (const [kind, remoteIds] of confirmed) {
      const gone = await tombstoneUnseen(db, {
        ...ref,
        kind,
        passId: pass.id,
        window: kind === 'timeoff_request' ? window : undefined,
        remoteIds,
      });
      counts.deleted += gone.length;
      if (!pass.initial) {
        for (const record of gone)
          events.push(...recordEvents(kind, shown(ctx.present, kind, record.data), null));
      }
    }
    counts.events += events.length + 1;
    const finished = await finishSyncPass(db, { ...ref, passId: pass.id, status: 'completed', counts });
    events.push({ type: 'linked_account.sync_completed', data: { object: syncPassObject(finished) } });
    await insertEvents(db, { ...ref, events });
    return finished;
  });
}

/**
 * A status that changes by date (a start, a termination entered ahead) changes with no edit, so a change
 * filter (`updated_since`) never returns it. An incremental pass therefore reads again, one by one through
 * the provider's get (as a webhook's record is read), each employee whose hire or termination date came since
 * the day before the previous pass began, while the copy does not show it yet; the writes are the pass's own
 * compare-and-set, so a flip seen elsewhere first emits nothing here. The day's margin covers Personio's dates
 * being local (Europe/Berlin) and a status that flips some hours into the day.
 */
async function rereadDatesTakingEffect(
  ctx: PassContext,
  pass: SyncPass,
  counts: SyncCounts,
  since: Date,
  entering: Parameters<typeof applyPage>[5],
  done: SyncPosition,
): Promise<void> {
  const limit = ctx.maxDateRereads ?? MAX_DATE_REREADS;
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const dueIds = await employeesWithDatesTakingEffect(ctx.db, {
    ...ctx.ref,
    from: day(since.getTime() - DAY_MS),
    to: day(ctx.now().getTime()),
    limit: limit + 1,
  });
  for (const remoteId of dueIds.slice(0, limit)) {
    stopIfAborted(ctx);
    const current = await withPageRetries(ctx, () =>
      unlessStopped(lookUp(ctx.provider, 'employee', remoteId), ctx.signal),
    );
    await ctx.db.transaction(async (tx) => {
      const db = tx as unknown as Database;
      await holdLease(db, ctx);
      // One gone meanwhile is left to the next full pass, the only kind that decides deletions.
      const applied = current
        ? await applyPage(db, ctx.ref, 'employee', [current], pass.initial, entering, ctx.present)
        : { created: 0, updated: 0, events: 0 };
      counts.upstream_pages++;
      counts.records_seen += current ? 1 : 0;
      counts.created += applied.created;
      counts.updated += applied.updated;
      counts.events += applied.events;
      await saveSyncProgress(db, { ...ctx.ref, passId: pass.id, position: done, counts });
    });
  }
  if (dueIds.length > limit) {
    ctx.logger.info('more dates took effect than an incremental pass reads again; a full pass follows', {
      linked_account_id: ctx.ref.linkedAccountId,
      pass_id: pass.id,
      limit,
    });
    await saveSyncProgress(ctx.db, {
      ...ctx.ref,
      passId: pass.id,
      position: { ...done, fullPassNeeded: true },
      counts,
    });
    // The lease holder runs one more pass when it finishes this one; the flag makes it a full one.
    await requestSyncPass(ctx.db, ctx.ref);
  }
}

/** Records a pass that could not complete (no deletions were decided) and its `sync_failed` event. */
export async function failPass(
  db: Database,
  ref: AccountRef,
  pass: SyncPass,
  error: string,
): Promise<SyncPass> {
  return db.transaction(async (tx) => {
    const inner = tx as unknown as Database;
    const current = await getSyncPass(inner, { environmentId: ref.environmentId, id: pass.id });
    const counts = { ...(current?.counts ?? pass.counts) };
    counts.events += 1;
    const finished = await finishSyncPass(inner, {
      ...ref,
      passId: pass.id,
      status: 'failed',
      counts,
      error,
    });
    await insertEvents(inner, {
      ...ref,
      events: [{ type: 'linked_account.sync_failed', data: { object: syncPassObject(finished) } }],
    });
    return finished;
  });
}

/** The object of `linked_account.sync_*` events and of `GET /linked-accounts/{id}/sync`. */
export function syncPassObject(pass: SyncPass) {
  return {
    id: pass.id,
    object: 'sync_pass' as const,
    linked_account_id: pass.linkedAccountId,
    status: pass.status,
    initial: pass.initial,
    trigger: pass.trigger,
    mode: pass.mode,
    started_at: pass.startedAt.toISOString(),
    finished_at: pass.finishedAt?.toISOString() ?? null,
    duration_ms: pass.finishedAt ? pass.finishedAt.getTime() - pass.startedAt.getTime() : null,
    counts: pass.counts,
    error: pass.error,
  };
}

function stopIfAborted(ctx: PassContext): void {
  if (ctx.signal?.aborted) throw new PassStoppedError();
}

/**
 * `work`'s result, or `PassStoppedError` as soon as `signal` aborts: an upstream page can take long (the pass
 * yields to live calls on the rate budget), and a stopping process does not wait for it. Nothing of a page
 * dropped this way is written, so the pass resumes at that page; the dropped calls end on their own.
 */
export async function unlessStopped<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) {
    work.catch(() => {});
    throw new PassStoppedError();
  }
  let onAbort: (() => void) | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        onAbort = () => {
          work.catch(() => {});
          reject(new PassStoppedError());
        };
        signal.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

/** `ctx.sleep`, cut short when the process stops (a pass may wait up to 30 s before asking again). */
async function sleepUnlessAborted(ctx: PassContext, ms: number): Promise<void> {
  const signal = ctx.signal;
  if (!signal) return ctx.sleep(ms);
  stopIfAborted(ctx);
  let onAbort: (() => void) | undefined;
  try {
    await Promise.race([
      ctx.sleep(ms),
      new Promise<void>((resolve) => {
        onAbort = resolve;
        signal.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
  stopIfAborted(ctx);
}

async function holdLease(db: Database, ctx: PassContext): Promise<void> {
  if (!(await renewSyncLease(db, { ...ctx.ref, owner: ctx.owner, ttlMs: ctx.leaseTtlMs }))) {
    throw new LeaseLostError();
  }
}

interface LoadedPage {
  items: Record<string, unknown>[];
  next: object | null;
}

async function loadPage(
  provider: HrisProvider,
  kind: SyncedKind,
  position: unknown,
  window: SyncWindow,
  updatedAfter: Date | undefined,
): Promise<LoadedPage> {
  if (kind === 'timeoff_type') {
    // One call either way: types have no change filter, and are few.
    return { items: await provider.listTimeoffTypes({ includeRemoteData: false }), next: null };
  }
  if (kind === 'employee') {
    return provider.listEmployees({ limit: PAGE_SIZE, position, updatedAfter, includeRemoteData: false });
  }
  return provider.listTimeoffRequests({
    limit: PAGE_SIZE,
    position,
    startDate: window.start,
    endDate: window.end,
    updatedAfter,
    includeRemoteData: false,
  });
}

/** The record as Personio has it now, or null when it no longer exists. */
async function lookUp(
  provider: HrisProvider,
  kind: 'employee' | 'timeoff_request',
  remoteId: string,
): Promise<Record<string, unknown> | null> {
  return kind === 'employee'
    ? provider.getEmployee(remoteId, { includeRemoteData: false })
    : provider.getTimeoffRequest(remoteId, { includeRemoteData: false });
}

/** A pass waits out rate limits and upstream hiccups instead of failing: it is never in a hurry. */
async function withPageRetries<T>(ctx: PassContext, load: () => Promise<T>): Promise<T> {
  const attempts = ctx.pageAttempts ?? 8;
  for (let attempt = 1; ; attempt++) {
    try {
      return await load();
    } catch (error) {
      if (!(error instanceof ApiError) || !TRANSIENT.has(error.code) || attempt >= attempts) throw error;
      const retryAfter = Number(error.headers['Retry-After'] ?? error.headers['retry-after']);
      const backoff = Math.min(30_000, 500 * 2 ** attempt) * (0.5 + Math.random() / 2);
      const wait = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : backoff;
      ctx.logger.info('sync page failed; waiting before asking again', {
        linked_account_id: ctx.ref.linkedAccountId,
        code: error.code,
        attempt,
        wait_ms: Math.round(wait),
      });
      await sleepUnlessAborted(ctx, wait);
    }
  }
}

/**
 * A stored record whose `content_hash` is this was written in a format since changed (a migration set it):
 * the next pass replaces it without events, since the provider's data did not change.
 */
export const REBASELINE = 'rebaseline';

/** Margin for Personio's `updated_at`, whose time zone is not documented. */
const UPDATED_AT_MARGIN_MS = 24 * 60 * 60_000;

/**
 * Which new time-off requests only entered the copy because the window moved or widened since the last
 * completed pass (they were outside its window and have not changed since well before it): those fill the
 * copy silently, like a first pass, instead of arriving as `timeoff_request.created`.
 */
export async function enteringWindow(
  db: Database,
  ref: AccountRef,
): Promise<((kind: SyncedKind, record: Record<string, unknown>) => boolean) | undefined> {
  const last = await lastCompletedPass(db, ref);
  const previous = last?.window;
  if (!last || !previous) return undefined;
  const changedBefore = last.startedAt.getTime() - UPDATED_AT_MARGIN_MS;
  return (kind, record) => {
    if (kind !== 'timeoff_request' || typeof record.start_date !== 'string') return false;
    const end = typeof record.end_date === 'string' ? record.end_date : record.start_date;
    const wasInside = record.start_date <= previous.end && end >= previous.start;
    const updated = typeof record.updated_at === 'string' ? Date.parse(record.updated_at) : Number.NaN;
    return !wasInside && Number.isFinite(updated) && updated < changedBefore;
  };
}

/** Writes one page into the copy (compare-and-set per record) and returns the events it inserted. */
export async function applyPage(
  db: Database,
  ref: AccountRef,
  kind: SyncedKind,
  records: Record<string, unknown>[],
  initial: boolean,
  entering?: (kind: SyncedKind, record: Record<string, unknown>) => boolean,
  present?: Present,
): Promise<{ created: number; updated: number; events: number }> {
  const unique = new Map<string, Record<string, unknown>>();
  for (const record of records) unique.set(String(record.id), storable(record) as Record<string, unknown>);
  const existing = await loadSyncedRecords(db, { ...ref, kind, remoteIds: [...unique.keys()] });
  const events: NewEvent[] = [];
  const unchanged: string[] = [];
  let created = 0;
  let updated = 0;
  for (const [remoteId, record] of unique) {
    const row = existing.get(remoteId);
    const hash = await contentHash(record);
    if (!row) {
      if (await insertSyncedRecord(db, { ...ref, kind, remoteId, data: record, contentHash: hash })) {
        created++;
        if (!initial && !entering?.(kind, record)) {
          events.push(...recordEvents(kind, null, shown(present, kind, record)));
        }
      }
      continue;
    }
    if (
      row.remoteDeletedAt === null &&
      row.contentHash !== REBASELINE &&
      stableJson(row.data) === stableJson(record)
    ) {
      unchanged.push(remoteId);
      continue;
    }
    const replaced = await replaceSyncedRecord(db, {
      ...ref,
      kind,
      remoteId,
      data: record,
      contentHash: hash,
      expected: row,
    });
    if (!replaced) continue;
    if (row.contentHash === REBASELINE && row.remoteDeletedAt === null) continue;
    if (row.remoteDeletedAt !== null) created++;
    else if (row.contentHash !== hash) updated++;
    if (!initial) {
      // Both sides under today's mappings: previous_attributes names what changed in the provider, not in them.
      const before = row.remoteDeletedAt ? null : shown(present, kind, row.data);
      events.push(...recordEvents(kind, before, shown(present, kind, record)));
    }
  }
  await touchSyncedRecords(db, { ...ref, kind, remoteIds: unchanged });
  await insertEvents(db, { ...ref, events });
  return { created, updated, events: events.length };
}

export function shown(
  present: Present | undefined,
  kind: SyncedKind,
  record: Record<string, unknown>,
): Record<string, unknown> {
  return present ? present(kind, record) : record;
}
