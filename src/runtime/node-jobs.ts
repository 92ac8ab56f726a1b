import { hostname } from 'node:os';
import type { Config } from '../config';
import type { Services } from '../context';
import { deleteEventsBefore } from '../db/queries/events';
import { deleteRequestLogsBefore } from '../db/queries/request-logs';
import { BullmqJobs, isLocalOnly, startBullmqWorker } from '../jobs/bullmq';
import { InProcessJobs } from '../jobs/in-process';
import type { JobQueue } from '../jobs/types';
import { BullmqDeliveries, type DeliveryRunner, InProcessDeliveries } from '../jobs/webhook-deliveries';
import type { Logger } from '../lib/logger';
import { catchUpInboundWebhooks } from '../services/inbound-webhooks';
import { syncRunnerDeps } from '../sync/deps';
import { leaseMs, webhookDispatcher } from '../webhooks/dispatcher';

const RETENTION_SWEEP_MS = 60 * 60_000;
/** How often a job process reads providers' event histories for notifications that never arrived. */
const INBOUND_CATCH_UP_MS = 15 * 60_000;
/**
 * How often a job process registers every account's schedule again (idempotent): accounts linked or
 * changed by a process that does not run jobs (the admin CLI, a gateway with RUN_JOBS=false) get theirs.
 */
const SCHEDULE_RECONCILE_MS = 5 * 60_000;

export interface NodeJobs {
  /** For `AppDeps.jobs`: every service set of this process shares one engine. */
  factory: (services: Services) => JobQueue;
  /** Starts running jobs here: the BullMQ worker or the in-process scheduler, and the retention sweep. */
  start(services: Services): Promise<void>;
  close(): Promise<void>;
}

/** The job engine of a Node process: BullMQ with REDIS_URL, else in-process (state in the database). */
export function nodeJobs(
  config: Config,
  logger: Logger,
  role: 'gateway' | 'worker',
  options: { scheduleReconcileMs?: number } = {},
): NodeJobs {
  const processName = `${role}@${hostname()}:${process.pid}`;
  let queue: BullmqJobs | InProcessJobs | undefined;
  let local: InProcessJobs | undefined;
  let worker: { close(): Promise<void> } | undefined;
  let sweep: ReturnType<typeof setInterval> | undefined;
  let catchUp: ReturnType<typeof setInterval> | undefined;
  let reconcile: ReturnType<typeof setInterval> | undefined;
  let deliveries: DeliveryRunner | undefined;

  const factory = (services: Services): JobQueue => {
    if (queue) return queue;
    if (config.redisUrl) {
      // The built-in sandbox lives in this process: its accounts' passes run here, not on the shared queue.
      local = config.sandbox.enabled
        ? new InProcessJobs(syncRunnerDeps(services, processName), isLocalOnly)
        : undefined;
      queue = new BullmqJobs(
        { redisUrl: config.redisUrl, keyPrefix: config.redisKeyPrefix, db: services.db },
        local,
      );
    } else {
      queue = new InProcessJobs(syncRunnerDeps(services, processName));
    }
    return queue;
  };

  return {
    factory,
    async start(services) {
      factory(services);
      const jobs = queue!;
      const runner = syncRunnerDeps(services, processName);
      if (jobs instanceof BullmqJobs) {
        const accounts = await jobs.reconcileSchedules(services.db);
        logger.info('sync schedules registered on BullMQ', { accounts });
        worker = startBullmqWorker({ redisUrl: config.redisUrl!, keyPrefix: config.redisKeyPrefix }, runner);
        local?.startScheduler();
        reconcile = setInterval(() => {
          jobs.reconcileSchedules(services.db).catch((error: unknown) => {
            logger.warn('could not register sync schedules', {
              error: error instanceof Error ? error.message : String(error),
            });
          });
        }, options.scheduleReconcileMs ?? SCHEDULE_RECONCILE_MS);
        reconcile.unref();
      } else {
        jobs.startScheduler();
      }
      // Webhook deliveries: on BullMQ with REDIS_URL, else here; the sweep wakes due ones up either way.
      const dispatcher = webhookDispatcher(services, processName);
      deliveries = config.redisUrl
        ? new BullmqDeliveries(dispatcher, {
            redisUrl: config.redisUrl,
            keyPrefix: config.redisKeyPrefix,
            concurrency: config.webhooks.concurrency,
            leaseMs: leaseMs(config.webhooks.timeoutMs),
            logger,
          }).start()
        : new InProcessDeliveries(dispatcher, { concurrency: config.webhooks.concurrency, logger }).start();
      const retain = async () => {
        const before = new Date(services.now().getTime() - config.sync.eventRetentionDays * 86_400_000);
        let removed = 0;
        for (let batch = 1; batch > 0; removed += batch) {
          batch = await deleteEventsBefore(services.db, { before, batch: 5_000 });
        }
        if (removed > 0) logger.info('old events removed', { removed, before: before.toISOString() });
        const logsBefore = new Date(
          services.now().getTime() - config.observability.requestLogRetentionDays * 86_400_000,
        );
        let logsRemoved = 0;
        for (let batch = 1; batch > 0; logsRemoved += batch) {
          batch = await deleteRequestLogsBefore(services.db, { before: logsBefore, batch: 5_000 });
        }
        if (logsRemoved > 0) {
          logger.info('old request logs removed', { removed: logsRemoved, before: logsBefore.toISOString() });
        }
      };
      sweep = setInterval(() => void retain().catch(() => {}), RETENTION_SWEEP_MS);
      sweep.unref();
      void retain().catch(() => {});
      // Inbound webhooks: what the provider notified while no process listened, at start and then regularly.
      catchUp = setInterval(() => void catchUpInboundWebhooks(services), INBOUND_CATCH_UP_MS);
      catchUp.unref();
      void catchUpInboundWebhooks(services);
    },
    async close() {
      if (sweep) clearInterval(sweep);
      if (catchUp) clearInterval(catchUp);
      if (reconcile) clearInterval(reconcile);
      await deliveries?.close();
      await worker?.close();
      await queue?.close();
    },
  };
}
