import { type Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from '../lib/logger';
import type { WebhookDispatcher } from '../webhooks/dispatcher';

const DELIVERY_QUEUE = 'webhook-deliveries';

/** How often due deliveries are looked for: new ones, retries that came due, and ones a dead process held. */
export const DELIVERY_SWEEP_MS = 500;

export interface WebhookDeliveryJobData {
  deliveryId: string;
}

export interface DeliveryRunner {
  readonly engine: 'bullmq' | 'in-process';
  /** One sweep now (the timer calls this too). */
  sweep(): Promise<number>;
  close(): Promise<void>;
}

const describe = (error: unknown) =>
  error instanceof Error ? `${error.name}: ${error.message}` : 'non-Error thrown';

/**
 * Embedded mode: the sweep runs each due delivery here, at most `concurrency` at once. A delivery whose
 * endpoint is at its cap is left for a later sweep, so a slow endpoint holds only its own slots.
 */
export class InProcessDeliveries implements DeliveryRunner {
  readonly engine = 'in-process' as const;
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private sweeping: Promise<number> | undefined;
  /** The last sweep left due deliveries behind for want of room: a finished attempt sweeps again. */
  private backlog = false;
  private rerun = false;
  private closed = false;

  constructor(
    private readonly dispatcher: WebhookDispatcher,
    private readonly options: { concurrency: number; logger: Logger },
  ) {}

  start(intervalMs = DELIVERY_SWEEP_MS): this {
    this.timer ??= setInterval(() => void this.sweep(), intervalMs);
    return this;
  }

  sweep(): Promise<number> {
    if (this.sweeping) {
      this.rerun = true;
      return this.sweeping;
    }
    this.sweeping = this.sweepOnce()
      .catch((error) => {
        this.options.logger.error('webhook sweep failed', { error: describe(error) });
        return 0;
      })
      .finally(() => {
        this.sweeping = undefined;
        if (this.rerun && !this.closed) {
          this.rerun = false;
          void this.sweep();
        }
      });
    return this.sweeping;
  }

  private async sweepOnce(): Promise<number> {
    if (this.closed) return 0;
    const room = this.options.concurrency - this.inFlight.size;
    if (room <= 0) {
      this.backlog = true;
      return 0;
    }
    // Ones already running here may still be listed (their claim is being made): ask for a few more.
    const limit = room + this.inFlight.size;
    const due = await this.dispatcher.due(limit);
    let started = 0;
    // A full page may have more behind it.
    this.backlog = due.length >= limit;
    for (const { id } of due) {
      if (this.inFlight.has(id)) continue;
      if (this.inFlight.size >= this.options.concurrency) {
        this.backlog = true;
        break;
      }
      const task = this.dispatcher
        .attemptAndContinue(id)
        .catch((error) => {
          this.options.logger.error('webhook attempt failed', { delivery_id: id, error: describe(error) });
          return 'failed' as const;
        })
        .then((outcome) => {
          this.inFlight.delete(id);
          // A finished attempt frees a slot: fill it now rather than at the next tick.
          if (this.backlog && outcome !== 'busy' && outcome !== 'skipped') void this.sweep();
        });
      this.inFlight.set(id, task);
      started++;
    }
    return started;
  }

  /** Waits for the attempts in flight (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0 || this.sweeping) {
      await Promise.allSettled([...this.inFlight.values(), this.sweeping]);
    }
  }

  async close(timeoutMs = 5_000): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.race([this.idle(), new Promise((resolve) => setTimeout(resolve, timeoutMs))]);
  }
}

/**
 * With REDIS_URL: the sweep of every process puts due deliveries on a BullMQ queue (the job id names the
 * delivery and its attempt, so several sweeps add one job), and BullMQ workers of any process run them.
 * BullMQ only wakes deliveries up; the claim on the row decides who sends, so a job run twice sends once.
 */
export class BullmqDeliveries implements DeliveryRunner {
  readonly engine = 'bullmq' as const;
  private readonly connection: Redis;
  private readonly workerConnection: Redis;
  readonly queue: Queue<WebhookDeliveryJobData>;
  private readonly worker: Worker<WebhookDeliveryJobData>;
  private timer: ReturnType<typeof setInterval> | undefined;
  private sweeping: Promise<number> | undefined;

  constructor(
    private readonly dispatcher: WebhookDispatcher,
    private readonly options: {
      redisUrl: string;
      keyPrefix: string;
      concurrency: number;
      leaseMs: number;
      logger: Logger;
    },
  ) {
    this.connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
    this.workerConnection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
    const prefix = `${options.keyPrefix}bull`;
    this.queue = new Queue<WebhookDeliveryJobData>(DELIVERY_QUEUE, { connection: this.connection, prefix });
    this.worker = new Worker<WebhookDeliveryJobData>(
      DELIVERY_QUEUE,
      async (job: Job<WebhookDeliveryJobData>) => dispatcher.attemptAndContinue(job.data.deliveryId),
      {
        connection: this.workerConnection,
        prefix,
        concurrency: options.concurrency,
        // A job of a dead process comes back when its delivery's lease runs out (the lease, not BullMQ,
        // keeps an attempt from being sent twice).
        lockDuration: options.leaseMs,
        stalledInterval: Math.min(options.leaseMs, 5_000),
      },
    );
    this.worker.on('error', (error) => options.logger.warn('webhook worker error', { error: error.message }));
  }

  start(intervalMs = DELIVERY_SWEEP_MS): this {
    this.timer ??= setInterval(() => void this.sweep(), intervalMs);
    return this;
  }

  sweep(): Promise<number> {
    this.sweeping ??= this.sweepOnce()
      .catch((error) => {
        this.options.logger.error('webhook sweep failed', { error: describe(error) });
        return 0;
      })
      .finally(() => {
        this.sweeping = undefined;
      });
    return this.sweeping;
  }

  private async sweepOnce(): Promise<number> {
    const due = await this.dispatcher.due(500);
    if (due.length === 0) return 0;
    await this.queue.addBulk(
      due.map(({ id, attempts }) => ({
        name: 'deliver',
        data: { deliveryId: id },
        opts: { jobId: `${id}-${attempts}`, removeOnComplete: true, removeOnFail: true },
      })),
    );
    return due.length;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.sweeping;
    await this.worker.close();
    await this.queue.close();
    this.connection.disconnect();
    this.workerConnection.disconnect();
  }
}
