import type { LinkedAccount } from '../db/schema';

/** The kinds of background job; inbound Personio webhooks will join them. */
export const JOB_KINDS = ['sync', 'webhook_delivery'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export interface SyncJobData {
  environmentId: string;
  linkedAccountId: string;
  trigger: 'schedule' | 'manual';
}

/**
 * Where the gateway hands work to the job engine: BullMQ with REDIS_URL, in-process otherwise. The same
 * job code (`runSyncJob`) runs in both.
 */
export interface JobQueue {
  readonly engine: 'bullmq' | 'in-process';
  /** A pass for this account soon (`POST /linked-accounts/{id}/sync`). */
  requestSync(linkedAccount: LinkedAccount): Promise<void>;
  /** Keeps the account's repeating schedule in line with its status and settings. */
  scheduleAccount(linkedAccount: LinkedAccount): Promise<void>;
  /** When the next scheduled pass is due, where the engine knows. */
  nextScheduledRun(linkedAccount: LinkedAccount): Promise<Date | null>;
  close(): Promise<void>;
}
