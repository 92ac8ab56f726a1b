import type { LinkedAccount } from '../db/schema';
import type { InboundChange } from '../providers/definition';

/** The kinds of background job. */
export const JOB_KINDS = ['sync', 'webhook_delivery', 'inbound'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export interface SyncJobData {
  environmentId: string;
  linkedAccountId: string;
  trigger: 'schedule' | 'manual';
}

/** Records a provider notified as changed, to read again and run through the change engine. */
export interface InboundJobData {
  environmentId: string;
  linkedAccountId: string;
  /** The account's integration: sandbox accounts' jobs run where their simulator lives. */
  integration: string;
  changes: InboundChange[];
}

/**
 * Where the gateway hands work to the job engine: BullMQ with REDIS_URL, in-process otherwise. The same
 * job code (`runSyncJob`) runs in both.
 */
export interface JobQueue {
  readonly engine: 'bullmq' | 'in-process';
  /** A pass for this account soon (`POST /linked-accounts/{id}/sync`). */
  requestSync(linkedAccount: LinkedAccount): Promise<void>;
  /** Reads records a provider notified as changed, soon (the inbound route only enqueues). */
  inbound(job: InboundJobData): Promise<void>;
  /** Keeps the account's repeating schedule in line with its status and settings. */
  scheduleAccount(linkedAccount: LinkedAccount): Promise<void>;
  /** When the next scheduled pass is due, where the engine knows. */
  nextScheduledRun(linkedAccount: LinkedAccount): Promise<Date | null>;
  close(): Promise<void>;
}
