import { randomBase62 } from '../crypto/random';
import type { Database } from '../db/client';
import { getLinkedAccount, setLinkedAccountStatus } from '../db/queries/linked-accounts';
import {
  acquireSyncLease,
  createSyncPass,
  handOverSyncLease,
  lastCompletedPasses,
  latestRequestCovered,
  releaseSyncLease,
  renewSyncLease,
  requestSyncPass,
  runningPassOf,
} from '../db/queries/sync';
import type { LinkedAccount } from '../db/schema';
import { ApiError } from '../errors';
import { withLinkedAccountEvent } from '../events/connection';
import type { Logger } from '../lib/logger';
import { sleep } from '../lib/sleep';
import type { Employee } from '../models/employee';
import type { InboundChange } from '../providers/definition';
import { ProviderError } from '../providers/errors';
import { findIntegration } from '../providers/registry';
import type { HrisProvider } from '../providers/types';
import { applyFieldMappings, loadEffectiveMappings } from '../services/field-mappings';
import { balancesDue, refreshBalances } from './balances';
import { failPass, LeaseLostError, PassStoppedError, type Present, runPass } from './pass';
import { syncSettings } from './settings';

export interface SyncJob {
  environmentId: string;
  linkedAccountId: string;
  trigger: 'schedule' | 'manual';
}

export interface SyncRunnerDeps {
  db: Database;
  hris(linkedAccount: LinkedAccount): Promise<HrisProvider>;
  logger: Logger;
  now: () => Date;
  /** How long a pass lease lasts without renewal: a killed holder's pass is taken over after this. */
  leaseTtlMs: number;
  sleep?: (ms: number) => Promise<void>;
  /** Names this process in lease owners (diagnostics only; a random suffix keeps owners unique). */
  processName?: string;
  /**
   * Aborted when the process stops: a pass in progress ends at its next page boundary and hands its lease
   * back with the pass still running, so the next job (here after a restart, or elsewhere) resumes it at once.
   */
  signal?: AbortSignal;
  /** Date re-reads per incremental pass (see `MAX_DATE_REREADS`). */
  maxDateRereads?: number;
  /**
   * For inbound jobs: the employee a scoped change names (the provider is asked), and a full pass (at most
   * one queued) for what no employee can be found for.
   */
  inbound?: {
    ownerOf(linkedAccount: LinkedAccount, change: InboundChange): Promise<string | null>;
    requestFullPass(linkedAccount: LinkedAccount): Promise<void>;
  };
}

export type SyncOutcome = 'ran' | 'covered' | 'skipped' | 'busy' | 'lost' | 'failed' | 'stopped';

/**
 * One sync job: asks for a pass, then either runs it (holding the account's lease, resuming a pass a
 * dead holder left behind) or leaves it to the holder, who runs one more pass when it sees the request.
 * Any number of processes may run this for the same account at once.
 */
export async function runSyncJob(deps: SyncRunnerDeps, job: SyncJob): Promise<SyncOutcome> {
  const wait = deps.sleep ?? sleep;
  const ref = { environmentId: job.environmentId, linkedAccountId: job.linkedAccountId };
  const account = await getLinkedAccount(deps.db, {
    environmentId: job.environmentId,
    id: job.linkedAccountId,
  });
  if (account?.status !== 'active') return 'skipped';
  if (job.trigger === 'schedule' && !syncSettings(account.settings).enabled) return 'skipped';

  await requestSyncPass(deps.db, ref);
  const owner = `${deps.processName ?? 'roster'}/${randomBase62(10)}`;
  const lease = { ...ref, owner, ttlMs: deps.leaseTtlMs };
  // Long enough for a dead holder's lease to run out, then this job takes the pass over.
  const deadline = Date.now() + deps.leaseTtlMs * 2 + 5_000;
  for (;;) {
    if (deps.signal?.aborted) return 'stopped';
    if (await acquireSyncLease(deps.db, lease)) break;
    if (await latestRequestCovered(deps.db, ref)) return 'covered';
    if (Date.now() > deadline) return 'busy';
    await wait(Math.min(1_000, deps.leaseTtlMs / 4));
  }

  const heartbeat = setInterval(
    () => void renewSyncLease(deps.db, lease).catch(() => {}),
    Math.max(250, deps.leaseTtlMs / 3),
  );
  try {
    for (;;) {
      const current = await getLinkedAccount(deps.db, {
        environmentId: ref.environmentId,
        id: ref.linkedAccountId,
      });
      // Providers that do not sync (see their capabilities) have no passes.
      if (
        current?.status !== 'active' ||
        findIntegration(current.integration)?.definition.capabilities.sync === false
      ) {
        await releaseSyncLease(deps.db, { ...lease, force: true });
        return 'skipped';
      }
      const plan = await planPass(deps, ref, current, job.trigger);
      const pass =
        (await runningPassOf(deps.db, ref)) ??
        (await createSyncPass(deps.db, {
          ...lease,
          trigger: job.trigger,
          mode: plan.mode,
          position: { stage: 'timeoff_type', position: null, since: plan.since },
        }));
      try {
        const provider = await deps.hris(current);
        const present = await presentationOf(deps, current);
        const finished = await runPass(
          {
            db: deps.db,
            provider,
            ref,
            owner,
            leaseTtlMs: deps.leaseTtlMs,
            settings: current.settings,
            now: deps.now,
            logger: deps.logger,
            sleep: wait,
            signal: deps.signal,
            maxDateRereads: deps.maxDateRereads,
            present,
          },
          pass,
        );
        deps.logger.info('sync pass completed', {
          linked_account_id: ref.linkedAccountId,
          pass_id: finished.id,
          ...finished.counts,
        });
        if (await balancesDue(deps.db, ref, current.settings, deps.now())) {
          // A failed refresh keeps the previous balances (and their time); the pass itself stands.
          await refreshBalances({
            db: deps.db,
            provider,
            ref,
            now: deps.now,
            logger: deps.logger,
            signal: deps.signal,
          }).catch((error) => {
            if (error instanceof PassStoppedError) return;
            deps.logger.warn('synced balances refresh failed', {
              linked_account_id: ref.linkedAccountId,
              error: error instanceof Error ? `${error.name}: ${error.message}` : 'non-Error thrown',
            });
          });
        }
      } catch (error) {
        if (error instanceof LeaseLostError) return 'lost';
        if (error instanceof PassStoppedError) {
          deps.logger.info('sync pass stopped at a page boundary; the next job resumes it', {
            linked_account_id: ref.linkedAccountId,
            pass_id: pass.id,
          });
          await handOverSyncLease(deps.db, lease);
          return 'stopped';
        }
        const message = error instanceof ApiError ? `${error.code}: ${error.message}` : 'internal error';
        deps.logger.warn('sync pass failed', {
          linked_account_id: ref.linkedAccountId,
          pass_id: pass.id,
          error: error instanceof Error ? `${error.name}: ${error.message}` : 'non-Error thrown',
        });
        const rejected =
          error instanceof ProviderError &&
          (error.kind === 'credentials_rejected' || error.kind === 'unauthorized');
        // One transaction: whoever sees the failed pass also sees the account's needs_reauth and its event.
        await deps.db.transaction(async (tx) => {
          const inner = tx as unknown as Database;
          await failPass(inner, ref, pass, message);
          if (rejected) await markNeedsReauth({ ...deps, db: inner }, current);
        });
        await releaseSyncLease(deps.db, { ...lease, force: true });
        return 'failed';
      }
      const outcome = await releaseSyncLease(deps.db, lease);
      if (outcome === 'released') return 'ran';
      if (outcome === 'lost') return 'lost';
    }
  } finally {
    clearInterval(heartbeat);
  }
}

/** Changes made this long before the last pass began are read again: clocks of two systems never agree exactly. */
const INCREMENTAL_OVERLAP_MS = 5 * 60_000;

/**
 * Manual passes and every `sync_full_interval_minutes` a full walk (the only kind that sees deletions);
 * scheduled passes in between read what changed since the last completed pass began, with an overlap.
 */
async function planPass(
  deps: SyncRunnerDeps,
  ref: { environmentId: string; linkedAccountId: string },
  linkedAccount: LinkedAccount,
  trigger: SyncJob['trigger'],
): Promise<{ mode: 'full' | 'incremental'; since?: string }> {
  if (trigger === 'manual') return { mode: 'full' };
  const { last, lastFull } = await lastCompletedPasses(deps.db, ref);
  const fullEveryMs = syncSettings(linkedAccount.settings).fullIntervalMinutes * 60_000;
  if (
    !last ||
    !lastFull ||
    last.position?.fullPassNeeded ||
    lastFull.startedAt.getTime() + fullEveryMs <= deps.now().getTime()
  ) {
    return { mode: 'full' };
  }
  return {
    mode: 'incremental',
    since: new Date(last.startedAt.getTime() - INCREMENTAL_OVERLAP_MS).toISOString(),
  };
}

async function markNeedsReauth(deps: SyncRunnerDeps, linkedAccount: LinkedAccount): Promise<void> {
  if (!linkedAccount.credentials) return;
  const credentials = linkedAccount.credentials;
  await withLinkedAccountEvent(deps.db, 'linked_account.needs_reauth', (db) =>
    setLinkedAccountStatus(db, {
      environmentId: linkedAccount.environmentId,
      id: linkedAccount.id,
      status: 'needs_reauth',
      now: deps.now(),
      whileCredentials: credentials,
    }),
  );
}

/** How the account's records show in events: its field mappings applied to employees (the copy stays unmapped). */
export async function presentationOf(deps: SyncRunnerDeps, account: LinkedAccount): Promise<Present> {
  const mappings = await loadEffectiveMappings(deps, account);
  return (kind, record) =>
    kind === 'employee'
      ? (applyFieldMappings(record as Employee, mappings) as Record<string, unknown>)
      : record;
}
