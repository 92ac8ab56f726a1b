import { advanceInboundEventTime } from '../db/queries/inbound-webhooks';
import { getLinkedAccount } from '../db/queries/linked-accounts';
import { findIntegration } from '../providers/registry';
import { refreshRecords } from '../sync/records';
import type { SyncRunnerDeps } from '../sync/run';
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
  const events = await refreshRecords(
    {
      db: deps.db,
      provider: await deps.hris(account),
      ref: { environmentId: job.environmentId, linkedAccountId: job.linkedAccountId },
      settings: account.settings,
      now: deps.now,
      logger: deps.logger,
      sleep: deps.sleep,
    },
    job.changes,
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
