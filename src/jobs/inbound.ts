import { advanceInboundEventTime } from '../db/queries/inbound-webhooks';
import { getLinkedAccount } from '../db/queries/linked-accounts';
import type { LinkedAccount } from '../db/schema';
import type { InboundChange } from '../providers/definition';
import { findIntegration } from '../providers/registry';
import { refreshRecords } from '../sync/records';
import { presentationOf, type SyncRunnerDeps } from '../sync/run';
import type { InboundJobData } from './types';

/**
 * One inbound-webhook job: the named records are read again and run through the change engine, then the
 * account's catch-up point moves past the newest change handled. Safe to run twice (compare-and-set).
 */
export async function runInboundJob(deps: SyncRunnerDeps, job: InboundJobData): Promise<number> {
  const account = await getLinkedAccount(deps.db, {
    environmentId: job.environmentId,
    id: job.linkedAccountId,
  });
  if (
    account?.status !== 'active' ||
    findIntegration(account.integration)?.definition.capabilities.sync === false
  ) {
    return 0;
  }
  const changes = await resolveOwners(deps, account, job.changes);
  const events = await refreshRecords(
    {
      db: deps.db,
      provider: await deps.hris(account),
      ref: { environmentId: job.environmentId, linkedAccountId: job.linkedAccountId },
      settings: account.settings,
      now: deps.now,
      logger: deps.logger,
      sleep: deps.sleep,
      present: await presentationOf(deps, account),
    },
    changes,
  );
  const newest = job.changes.reduce<string | null>(
    (latest, change) => (latest === null || change.occurredAt > latest ? change.occurredAt : latest),
    null,
  );
  if (newest) {
    await advanceInboundEventTime(deps.db, {
      environmentId: job.environmentId,
      linkedAccountId: job.linkedAccountId,
      occurredAt: new Date(newest),
    });
  }
  deps.logger.debug('inbound changes applied', {
    linked_account_id: job.linkedAccountId,
    records: job.changes.length,
    events,
  });
  return events;
}

/**
 * Scoped changes without an employee are asked of the provider; those it cannot place (a deleted record the
 * notification did not name a person for) are left to one full pass.
 */
async function resolveOwners(
  deps: SyncRunnerDeps,
  account: LinkedAccount,
  changes: InboundChange[],
): Promise<InboundChange[]> {
  const resolved: InboundChange[] = [];
  let unplaced = 0;
  for (const change of changes) {
    if (!change.scope || change.scope.employeeId !== null) {
      resolved.push(change);
      continue;
    }
    const employeeId = (await deps.inbound?.ownerOf(account, change)) ?? null;
    if (employeeId === null) unplaced++;
    else resolved.push({ ...change, scope: { employeeId } });
  }
  if (unplaced > 0) {
    deps.logger.info('inbound changes name records of no known employee; a full pass reconciles them', {
      linked_account_id: account.id,
      records: unplaced,
    });
    await deps.inbound?.requestFullPass(account);
  }
  return resolved;
}
