import type { Database } from '../db/client';
import { getInboundWebhook, listActiveInboundWebhooks } from '../db/queries/inbound-webhooks';
import { latestRequestCovered, listAccountsForScheduling } from '../db/queries/sync';
import type { LinkedAccount } from '../db/schema';
import { sleep } from '../lib/sleep';
import { scheduledIntervalMinutes } from '../sync/reconcile';
import { runSyncJob, type SyncRunnerDeps } from '../sync/run';
import { syncSettings } from '../sync/settings';
import { runInboundJob } from './inbound';
import type { InboundJobData, JobQueue, SyncJobData } from './types';

/** How often the embedded scheduler looks for accounts whose next pass is due. */
const SCHEDULER_TICK_MS = 10_000;
/**
 * How long after the scheduler starts its first look: passes due while the process was down (a restart after
 * a while) then begin once the process has answered its first requests, not in the same moment. Embedded,
 * a pass and the requests share one database connection, and the first requests after a restart waited for
 * the pass's statements (0.8 s more to the first 200, `npm run bench -- --only startup`).
 */
const FIRST_TICK_DELAY_MS = 3_000;

/**
 * Embedded mode's job engine: jobs run in this process, and a timer starts each account's pass when its
 * interval has passed since the last one began (the state lives in the database, so a restart continues
 * the rhythm). Several such processes on one PostgreSQL stay correct: the pass lease lets one run at a time.
 */
export class InProcessJobs implements JobQueue {
  readonly engine = 'in-process' as const;
  private readonly running = new Map<string, Promise<unknown>>();
  /** Manual requests that came while a job of the same account ran here: one more job follows it. */
  private readonly pending = new Map<string, SyncJobData>();
  /** Inbound jobs run one at a time per account; changes that arrive meanwhile join the next batch. */
  private readonly inboundRunning = new Map<string, Promise<void>>();
  private readonly inboundWaiting = new Map<string, InboundJobData>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private started = 0;
  private closed = false;
  /** Aborted by `close`: passes running here stop at their next page boundary. */
  private readonly stopping = new AbortController();

  /** `only`: the accounts this scheduler looks after (beside BullMQ: the built-in sandbox's). */
  constructor(
    private readonly deps: SyncRunnerDeps & { db: Database },
    private readonly only: (linkedAccount: LinkedAccount) => boolean = () => true,
  ) {}

  async requestSync(linkedAccount: LinkedAccount): Promise<void> {
    this.run(
      { environmentId: linkedAccount.environmentId, linkedAccountId: linkedAccount.id, trigger: 'manual' },
      true,
    );
  }

  async inbound(job: InboundJobData): Promise<void> {
    if (this.closed) return;
    const key = job.linkedAccountId;
    const waiting = this.inboundWaiting.get(key);
    if (waiting) {
      waiting.changes.push(...job.changes);
      return;
    }
    const batch = { ...job, changes: [...job.changes] };
    this.inboundWaiting.set(key, batch);
    const task = (this.inboundRunning.get(key) ?? Promise.resolve()).then(async () => {
      this.inboundWaiting.delete(key);
      try {
        await runInboundJob(this.deps, batch);
      } catch (error) {
        // The catch-up (events API) or the next pass brings what this job could not read.
        this.deps.logger.warn('inbound job failed', {
          linked_account_id: key,
          error: error instanceof Error ? `${error.name}: ${error.message}` : 'non-Error thrown',
        });
      }
    });
    this.inboundRunning.set(key, task);
    void task.finally(() => {
      if (this.inboundRunning.get(key) === task) this.inboundRunning.delete(key);
    });
  }

  /** Jobs started by this process so far, and those running or waiting now (diagnostics and tests). */
  get jobCounts(): { started: number; active: number } {
    return { started: this.started, active: this.running.size };
  }

  async scheduleAccount(_linkedAccount: LinkedAccount): Promise<void> {
    // The scheduler reads settings from the database on every tick; nothing to register.
  }

  async nextScheduledRun(linkedAccount: LinkedAccount): Promise<Date | null> {
    const settings = syncSettings(linkedAccount.settings);
    if (!this.timer || !settings.enabled || linkedAccount.status !== 'active') return null;
    const accounts = await listAccountsForScheduling(this.deps.db);
    const state = accounts.find((entry) => entry.linkedAccount.id === linkedAccount.id)?.state;
    const last = state?.lastPassStartedAt?.getTime();
    const webhook = await getInboundWebhook(this.deps.db, {
      environmentId: linkedAccount.environmentId,
      linkedAccountId: linkedAccount.id,
    });
    const interval = scheduledIntervalMinutes(linkedAccount.settings, webhook?.status === 'active');
    return new Date(last === undefined ? this.deps.now().getTime() : last + interval * 60_000);
  }

  /** Starts the timer that runs scheduled passes (the Node entry does this; tests and the CLI do not). */
  startScheduler(tickMs = SCHEDULER_TICK_MS, firstTickMs = Math.min(tickMs, FIRST_TICK_DELAY_MS)): void {
    if (this.timer) return;
    const tick = () =>
      void this.tick().catch((error) =>
        this.deps.logger.error('sync scheduler failed', { error: String(error) }),
      );
    this.timer = setTimeout(() => {
      if (this.closed) return;
      tick();
      this.timer = setInterval(tick, tickMs);
    }, firstTickMs);
  }

  private async tick(): Promise<void> {
    const now = this.deps.now().getTime();
    const webhooks = new Set(
      (await listActiveInboundWebhooks(this.deps.db)).map((webhook) => webhook.linkedAccountId),
    );
    for (const { linkedAccount, state } of await listAccountsForScheduling(this.deps.db)) {
      const settings = syncSettings(linkedAccount.settings);
      if (!settings.enabled || linkedAccount.status !== 'active' || !this.only(linkedAccount)) continue;
      const last = state?.lastPassStartedAt?.getTime();
      const interval = scheduledIntervalMinutes(linkedAccount.settings, webhooks.has(linkedAccount.id));
      if (last !== undefined && last + interval * 60_000 > now) continue;
      this.run(
        {
          environmentId: linkedAccount.environmentId,
          linkedAccountId: linkedAccount.id,
          trigger: 'schedule',
        },
        false,
      );
    }
  }

  /** `followUp`: the job that follows a finished one, for requests recorded while that one ran. */
  private run(job: SyncJobData, evenIfRunning: boolean, followUp = false): void {
    if (this.closed) return;
    const key = job.linkedAccountId;
    if (this.running.has(key)) {
      // The job running here either holds the pass (and runs one more for the request already recorded) or
      // waits on its holder; a second job would only poll beside it. One more job still follows it, for a
      // request recorded just as the running job decided it was covered.
      if (evenIfRunning) this.pending.set(key, job);
      return;
    }
    this.started++;
    const task = (async () => {
      try {
        // The job just finished usually covered those requests already (its holder runs one more pass for a
        // request it sees); a follow-up asking again would start a pass nobody asked for.
        if (followUp && (await latestRequestCovered(this.deps.db, job))) return;
        await runSyncJob({ ...this.deps, signal: this.stopping.signal }, job);
      } catch (error) {
        this.deps.logger.error('sync job failed', {
          linked_account_id: job.linkedAccountId,
          error: error instanceof Error ? `${error.name}: ${error.message}` : 'non-Error thrown',
        });
      }
    })();
    this.running.set(key, task);
    void task.finally(() => {
      if (this.running.get(key) === task) this.running.delete(key);
      const next = this.pending.get(key);
      if (next) {
        this.pending.delete(key);
        this.run(next, true, true);
      }
    });
  }

  /** Stops the passes running here at their next page boundary and waits for them (bounded by `timeoutMs`). */
  async close(timeoutMs = 5_000): Promise<void> {
    this.closed = true;
    // Either the first look's timeout or the interval after it (`clearTimeout` clears both kinds in Node).
    if (this.timer) clearTimeout(this.timer);
    this.stopping.abort();
    await Promise.race([
      Promise.allSettled([...this.running.values(), ...this.inboundRunning.values()]),
      sleep(timeoutMs),
    ]);
  }
}
