import type { Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../lib/logger';
import { sleep } from '../lib/sleep';
import type { EndpointRun, WebhookDispatcher } from '../webhooks/dispatcher';
import { onDeliveriesMayBeDue } from '../webhooks/wake';
import { bullmq, ioredis } from './lazy-bullmq';

const DELIVERY_QUEUE = 'webhook-deliveries';

/** How often due deliveries are looked for: new ones, retries that came due, and ones a dead process held. */
export const DELIVERY_SWEEP_MS = 500;
/**
 * Embedded mode: while sweeps find nothing, the interval doubles up to this (an empty sweep costs PGlite
 * milliseconds of CPU, which an idle gateway paid twice a second). New deliveries written by this process
 * bring it back to the base interval at once (`deliveriesMayBeDue`); a retry coming due is sent at most
 * this late.
 */
export const IDLE_SWEEP_MAX_MS = 5_000;

/** A job names an endpoint whose due deliveries to send (earlier versions queued one delivery per job). */
export type WebhookDeliveryJobData = { endpointId: string } | { deliveryId: string };

export interface DeliveryRunner {
  readonly engine: 'bullmq' | 'in-process';
  /** One sweep now (the timer calls this too). */
  sweep(): Promise<number>;
  close(): Promise<void>;
}

const describe = (error: unknown) =>
  error instanceof Error ? `${error.name}: ${error.message}` : 'non-Error thrown';

/**
 * Embedded mode: the sweep starts a run over each endpoint with due deliveries here, with as many of the
 * process's `concurrency` attempt slots as the endpoint has free. An endpoint at its cap is left for a
 * later sweep, so a slow endpoint holds only its own slots.
 */
export class InProcessDeliveries implements DeliveryRunner {
  readonly engine = 'in-process' as const;
  /** Runs in flight, by endpoint. */
  private readonly runs = new Map<string, Promise<unknown>>();
  /** Attempt slots the runs in flight hold. */
  private reserved = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private baseMs = DELIVERY_SWEEP_MS;
  private delayMs = DELIVERY_SWEEP_MS;
  private stopWaking: (() => void) | undefined;
  private tick: (() => void) | undefined;
  /** New deliveries were announced since the last sweep began. */
  private woken = false;
  private sweeping: Promise<number> | undefined;
  /** The last sweep left due endpoints behind for want of room: a finished run sweeps again. */
  private backlog = false;
  private rerun = false;
  private closed = false;

  constructor(
    private readonly dispatcher: WebhookDispatcher,
    private readonly options: { concurrency: number; logger: Logger },
  ) {}

  start(intervalMs = DELIVERY_SWEEP_MS, idleMaxMs = Math.max(intervalMs, IDLE_SWEEP_MAX_MS)): this {
    if (this.tick) return this;
    this.baseMs = intervalMs;
    this.delayMs = intervalMs;
    this.stopWaking = onDeliveriesMayBeDue(() => this.wake());
    const tick = () => {
      this.timer = undefined;
      if (this.closed) return;
      void this.sweep().then((started) => {
        // Back off only while nothing is due, running or announced; anything else keeps the base rhythm.
        const busy = started > 0 || this.runs.size > 0 || this.backlog || this.woken;
        this.woken = false;
        this.delayMs = busy ? this.baseMs : Math.min(this.delayMs * 2, idleMaxMs);
        if (!this.closed) this.timer = setTimeout(tick, this.delayMs);
      });
    };
    this.tick = tick;
    this.timer = setTimeout(tick, this.delayMs);
    return this;
  }

  /** Back to the base interval: the next sweep comes within it instead of after the backed-off delay. */
  private wake(): void {
    if (this.closed || !this.tick) return;
    this.woken = true;
    // A sweep in progress picks `woken` up when it ends; a backed-off timer is brought forward.
    if (this.timer && this.delayMs !== this.baseMs) {
      clearTimeout(this.timer);
      this.delayMs = this.baseMs;
      this.timer = setTimeout(this.tick, this.baseMs);
    }
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
    const room = this.options.concurrency - this.reserved;
    if (room <= 0) {
      this.backlog = true;
      return 0;
    }
    // Endpoints already running here may be listed too: ask for that many more.
    const limit = room + this.runs.size;
    const due = await this.dispatcher.dueEndpoints(limit);
    // A full page may have more behind it.
    this.backlog = due.length >= limit;
    let started = 0;
    for (const { endpointId, free } of due) {
      if (this.runs.has(endpointId)) continue;
      const slots = Math.min(free, this.options.concurrency - this.reserved);
      if (slots <= 0) {
        this.backlog = true;
        break;
      }
      this.reserved += slots;
      const run = this.dispatcher
        .deliverEndpoint(endpointId, { slots })
        .catch((error): EndpointRun => {
          this.options.logger.error('webhook run failed', {
            endpoint_id: endpointId,
            error: describe(error),
          });
          return { attempted: 0, stopped: 'failing' };
        })
        .then(({ stopped }) => {
          this.runs.delete(endpointId);
          this.reserved -= slots;
          // More due at this endpoint, or slots others wait for: go on now rather than at the next tick.
          if (stopped === 'limit' || (this.backlog && stopped === 'drained')) void this.sweep();
        });
      this.runs.set(endpointId, run);
      started++;
    }
    return started;
  }

  /** Waits for the runs in flight (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.runs.size > 0 || this.sweeping) {
      await Promise.allSettled([...this.runs.values(), this.sweeping]);
    }
  }

  async close(timeoutMs = 5_000): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.stopWaking?.();
    await Promise.race([this.idle(), sleep(timeoutMs)]);
  }
}

/**
 * With REDIS_URL: the sweep of every process puts a job per endpoint with due deliveries on a BullMQ queue
 * (the job id names the endpoint, so several sweeps add one job while it waits or runs), and BullMQ
 * workers of any process run them. BullMQ only wakes deliveries up; the claim on the rows decides who
 * sends, so a job run twice sends each attempt once.
 */
export class BullmqDeliveries implements DeliveryRunner {
  readonly engine = 'bullmq' as const;
  private readonly connection: Redis;
  private readonly workerConnection: Redis;
  readonly queue: Queue<WebhookDeliveryJobData>;
  private readonly worker: Worker<WebhookDeliveryJobData>;
  private timer: ReturnType<typeof setInterval> | undefined;
  private sweeping: Promise<number> | undefined;
  private rerun = false;
  private closed = false;

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
    const { Redis: RedisClient } = ioredis();
    const { Queue: BullQueue, Worker: BullWorker } = bullmq();
    this.connection = new RedisClient(options.redisUrl, { maxRetriesPerRequest: null });
    this.workerConnection = new RedisClient(options.redisUrl, { maxRetriesPerRequest: null });
    const prefix = `${options.keyPrefix}bull`;
    this.queue = new BullQueue<WebhookDeliveryJobData>(DELIVERY_QUEUE, {
      connection: this.connection,
      prefix,
    });
    this.worker = new BullWorker<WebhookDeliveryJobData>(
      DELIVERY_QUEUE,
      async (job: Job<WebhookDeliveryJobData>) =>
        'endpointId' in job.data
          ? dispatcher.deliverEndpoint(job.data.endpointId, { slots: options.concurrency })
          : dispatcher.attempt(job.data.deliveryId),
      {
        connection: this.workerConnection,
        prefix,
        // A run has up to the endpoint's cap of attempts in flight; the process stays within `concurrency`.
        concurrency: Math.max(1, Math.floor(options.concurrency / dispatcher.deps.endpointConcurrency)),
        // A job of a dead process comes back when its deliveries' leases run out (the leases, not BullMQ,
        // keep an attempt from being sent twice).
        lockDuration: options.leaseMs,
        stalledInterval: Math.min(options.leaseMs, 5_000),
      },
    );
    this.worker.on('error', (error) => options.logger.warn('webhook worker error', { error: error.message }));
    // A run that stopped at its batch limit leaves more due: queue it again now (its job is gone by then).
    this.worker.on('completed', (_job, run: EndpointRun | string) => {
      if (typeof run === 'object' && run.stopped === 'limit') void this.sweep();
    });
  }

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
    const due = await this.dispatcher.dueEndpoints(500);
    if (due.length === 0) return 0;
    await this.queue.addBulk(
      due.map(({ endpointId }) => ({
        name: 'deliver',
        data: { endpointId },
        opts: { jobId: `endpoint-${endpointId}`, removeOnComplete: true, removeOnFail: true },
      })),
    );
    return due.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.sweeping;
    await this.worker.close();
    await this.queue.close();
    this.connection.disconnect();
    this.workerConnection.disconnect();
  }
}
