import type { Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Database } from '../db/client';
import { getInboundWebhook } from '../db/queries/inbound-webhooks';
import { listAccountsForScheduling } from '../db/queries/sync';
import type { LinkedAccount } from '../db/schema';
import { findIntegration } from '../providers/registry';
import { scheduledIntervalMinutes } from '../sync/reconcile';
import { runSyncJob, type SyncRunnerDeps } from '../sync/run';
import { syncSettings } from '../sync/settings';
import { runInboundJob } from './inbound';
import { bullmq, ioredis } from './lazy-bullmq';
import type { InboundJobData, JobQueue, SyncJobData } from './types';

const SYNC_QUEUE = 'sync';
const INBOUND_QUEUE = 'inbound';

export interface BullmqOptions {
  redisUrl: string;
  /** The deployment's Redis key prefix; BullMQ keys live under `<prefix>bull:`. */
  keyPrefix: string;
  /** Where inbound webhook registrations are read (an account with one is scheduled to reconcile only). */
  db?: Database;
}

/**
 * The built-in sandbox is a simulator inside each process, so its accounts' passes must run where the
 * sandbox actions ran: in the gateway process, never on a shared queue.
 */
export const isLocalOnly = (linkedAccount: Pick<LinkedAccount, 'integration'>) =>
  findIntegration(linkedAccount.integration)?.integration.sandbox === true;

const schedulerId = (linkedAccountId: string) => `sync-${linkedAccountId}`;

/**
 * Jobs on BullMQ: one job scheduler (repeatable job) per linked account, manual passes as jobs with a
 * per-account id (a second request while one waits is the same job). BullMQ re-runs the job of a
 * process that died (stalled-job check); the pass lease in PostgreSQL keeps passes of one account apart.
 */
export class BullmqJobs implements JobQueue {
  readonly engine = 'bullmq' as const;
  private readonly connection: Redis;
  readonly queue: Queue<SyncJobData>;
  readonly inboundQueue: Queue<InboundJobData>;

  constructor(
    private readonly options: BullmqOptions,
    /** Runs the passes of sandbox accounts when this process serves the sandbox. */
    private readonly local?: JobQueue,
  ) {
    const { Redis: RedisClient } = ioredis();
    const { Queue: BullQueue } = bullmq();
    this.connection = new RedisClient(options.redisUrl, { maxRetriesPerRequest: null });
    this.queue = new BullQueue<SyncJobData>(SYNC_QUEUE, {
      connection: this.connection,
      prefix: `${options.keyPrefix}bull`,
    });
    this.inboundQueue = new BullQueue<InboundJobData>(INBOUND_QUEUE, {
      connection: this.connection,
      prefix: `${options.keyPrefix}bull`,
    });
  }

  async inbound(job: InboundJobData): Promise<void> {
    if (isLocalOnly({ integration: job.integration })) {
      await this.local?.inbound(job);
      return;
    }
    // Retried with backoff; a job that still fails is left to the catch-up and the next pass.
    await this.inboundQueue.add('inbound', job, {
      attempts: 5,
      backoff: { type: 'exponential', delay: 1_000 },
      removeOnComplete: true,
      removeOnFail: 100,
    });
  }

  async requestSync(linkedAccount: LinkedAccount): Promise<void> {
    if (isLocalOnly(linkedAccount)) {
      await this.local?.requestSync(linkedAccount);
      return;
    }
    await this.queue.add(
      'sync',
      { environmentId: linkedAccount.environmentId, linkedAccountId: linkedAccount.id, trigger: 'manual' },
      { jobId: `manual-${linkedAccount.id}`, removeOnComplete: true, removeOnFail: true },
    );
  }

  async scheduleAccount(linkedAccount: LinkedAccount): Promise<void> {
    const settings = syncSettings(linkedAccount.settings);
    if (
      !settings.enabled ||
      linkedAccount.status !== 'active' ||
      linkedAccount.deletedAt ||
      isLocalOnly(linkedAccount)
    ) {
      await this.queue.removeJobScheduler(schedulerId(linkedAccount.id));
      return;
    }
    const webhook = this.options.db
      ? await getInboundWebhook(this.options.db, {
          environmentId: linkedAccount.environmentId,
          linkedAccountId: linkedAccount.id,
        })
      : undefined;
    const interval = scheduledIntervalMinutes(linkedAccount.settings, webhook?.status === 'active');
    await this.queue.upsertJobScheduler(
      schedulerId(linkedAccount.id),
      { every: interval * 60_000 },
      {
        name: 'sync',
        data: {
          environmentId: linkedAccount.environmentId,
          linkedAccountId: linkedAccount.id,
          trigger: 'schedule',
        },
        opts: { removeOnComplete: true, removeOnFail: 100 },
      },
    );
  }

  /** Registers (or drops) the schedule of every account; idempotent, run by job processes at start. */
  async reconcileSchedules(db: Database): Promise<number> {
    const accounts = await listAccountsForScheduling(db);
    for (const { linkedAccount } of accounts) await this.scheduleAccount(linkedAccount);
    return accounts.length;
  }

  async nextScheduledRun(linkedAccount: LinkedAccount): Promise<Date | null> {
    if (isLocalOnly(linkedAccount)) return (await this.local?.nextScheduledRun(linkedAccount)) ?? null;
    const scheduler = await this.queue.getJobScheduler(schedulerId(linkedAccount.id));
    return scheduler?.next ? new Date(scheduler.next) : null;
  }

  async close(): Promise<void> {
    await this.local?.close();
    await this.inboundQueue.close();
    await this.queue.close();
    this.connection.disconnect();
  }
}

/** A process's share of the work: runs sync jobs from the queue, `concurrency` at a time. */
export function startBullmqWorker(
  options: BullmqOptions & { concurrency?: number },
  deps: SyncRunnerDeps,
): { worker: Worker<SyncJobData>; close(): Promise<void> } {
  const { Redis: RedisClient } = ioredis();
  const { Worker: BullWorker } = bullmq();
  const connection = new RedisClient(options.redisUrl, { maxRetriesPerRequest: null });
  const worker = new BullWorker<SyncJobData>(
    SYNC_QUEUE,
    async (job: Job<SyncJobData>) => runSyncJob(deps, job.data),
    {
      connection,
      prefix: `${options.keyPrefix}bull`,
      concurrency: options.concurrency ?? 4,
      // A killed process's job goes back to the queue on the same clock as its pass lease runs out.
      lockDuration: deps.leaseTtlMs,
      stalledInterval: deps.leaseTtlMs,
    },
  );
  worker.on('error', (error) => deps.logger.warn('job worker error', { error: error.message }));
  const inboundWorker = new BullWorker<InboundJobData>(
    INBOUND_QUEUE,
    async (job: Job<InboundJobData>) => runInboundJob(deps, job.data),
    { connection, prefix: `${options.keyPrefix}bull`, concurrency: options.concurrency ?? 4 },
  );
  inboundWorker.on('error', (error) => deps.logger.warn('job worker error', { error: error.message }));
  return {
    worker,
    async close() {
      await inboundWorker.close();
      await worker.close();
      connection.disconnect();
    },
  };
}
