import type { Services } from '../context';
import { randomBase62 } from '../crypto/random';
import type { SecretBox } from '../crypto/secret-box';
import type { Database } from '../db/client';
import { insertEvents } from '../db/queries/events';
import {
  type AttemptResult,
  type ClaimedDelivery,
  claimWebhookDeliveries,
  disableWebhookEndpoint,
  dueWebhookEndpoints,
  isWebhookDeliveryClaimable,
  markWebhookEndpointFailing,
  markWebhookEndpointHealthy,
  recordWebhookAttempts,
  releaseWebhookDeliveries,
} from '../db/queries/webhooks';
import type { WebhookEndpoint } from '../db/schema';
import type { Logger } from '../lib/logger';
import { toEventResource } from '../routes/events/schemas';
import type { WebhookResponse, WebhookSender } from './sender';
import { signWebhook } from './signing';

/** Waits after failed attempt 1, 2, …: 8 attempts over about 27.5 hours (published in the README). */
export const RETRY_DELAYS_MS = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
] as const;
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

/** An endpoint whose every attempt has failed for this long is turned off. */
export const DISABLE_AFTER_FAILING_MS = 3 * 86_400_000;

export const SECRET_PURPOSE = 'webhook-secret';

/** A claim lasts the attempt's timeout plus time to record it; a dead process's claim runs out after this. */
export const leaseMs = (timeoutMs: number) => timeoutMs + 10_000;

export interface DispatcherDeps {
  db: Database;
  secretBox: SecretBox;
  sender: WebhookSender;
  now: () => Date;
  logger: Logger;
  timeoutMs: number;
  endpointConcurrency: number;
  /** Names this process in delivery leases (diagnostics; a random suffix keeps owners unique). */
  processName?: string;
}

export type AttemptOutcome = 'succeeded' | 'retrying' | 'failed' | 'skipped' | 'busy';

/** How a run over an endpoint's due deliveries ended. */
export interface EndpointRun {
  attempted: number;
  /** `drained`: nothing more was due; `limit`: more may be due; `failing`: an attempt failed. */
  stopped: 'drained' | 'limit' | 'failing';
}

/** Batches one run over an endpoint makes before it lets others have its place. */
export const BATCHES_PER_RUN = 20;

/** Deliveries claimed per batch for each attempt slot: fewer statements per delivery to a fast endpoint. */
export const BATCH_PER_SLOT = 8;

const succeeded = (response: WebhookResponse) =>
  response.status !== null && response.status >= 200 && response.status < 300;

/** The secrets that sign now: the current one, and the previous one during its 24 h overlap. */
export async function signingSecrets(
  secretBox: SecretBox,
  endpoint: WebhookEndpoint,
  now: Date,
): Promise<string[]> {
  const secrets = [await secretBox.decrypt(endpoint.secret, SECRET_PURPOSE)];
  if (endpoint.previousSecret && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > now) {
    secrets.push(await secretBox.decrypt(endpoint.previousSecret, SECRET_PURPOSE));
  }
  return secrets;
}

export const WEBHOOK_USER_AGENT = 'Roster-Webhooks/1';

const FOREIGN_KEY_VIOLATION = '23503';

/** The SQLSTATE of a database error, looked for along its causes (drizzle wraps the driver's error). */
function sqlState(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Decrypted signing secrets by ciphertext, so a busy endpoint is not decrypted on every attempt. A rotated
 * or deleted secret has a new ciphertext, so nothing here outlives a change; held in memory only.
 */
class SecretCache {
  private readonly plain = new Map<string, string>();

  constructor(private readonly secretBox: SecretBox) {}

  async of(endpoint: WebhookEndpoint, now: Date): Promise<string[]> {
    const live = [endpoint.secret];
    if (
      endpoint.previousSecret &&
      endpoint.previousSecretExpiresAt &&
      endpoint.previousSecretExpiresAt > now
    ) {
      live.push(endpoint.previousSecret);
    }
    const secrets: string[] = [];
    for (const ciphertext of live) {
      let secret = this.plain.get(ciphertext);
      if (secret === undefined) {
        secret = await this.secretBox.decrypt(ciphertext, SECRET_PURPOSE);
        if (this.plain.size >= 1000) this.plain.clear();
        this.plain.set(ciphertext, secret);
      }
      secrets.push(secret);
    }
    return secrets;
  }
}

/**
 * Sends deliveries: claims a batch of one endpoint's due deliveries with their events (a lease in
 * PostgreSQL, one statement), signs and sends them at once, records the attempts and each delivery's next
 * state (one statement) and updates the endpoint's health. The database row is the only state; whatever
 * wakes deliveries up (the in-process loop, a BullMQ job, the sweep) calls `deliverEndpoint` or `attempt`,
 * and a delivery claimed by one caller is not taken by another.
 */
export class WebhookDispatcher {
  readonly owner: string;
  private readonly secrets: SecretCache;

  constructor(readonly deps: DispatcherDeps) {
    this.owner = `${deps.processName ?? 'roster'}/${randomBase62(10)}`;
    this.secrets = new SecretCache(deps.secretBox);
  }

  /** Endpoints (of every environment: this is the sweep) with deliveries due now and free slots. */
  async dueEndpoints(limit: number): Promise<{ endpointId: string; free: number }[]> {
    return dueWebhookEndpoints(this.deps.db, {
      now: this.deps.now(),
      limit,
      perEndpoint: this.deps.endpointConcurrency,
    });
  }

  /** One attempt of this delivery, if it is due and free. */
  async attempt(deliveryId: string): Promise<AttemptOutcome> {
    const now = this.deps.now();
    const lease = this.lease(now);
    const { deliveries } = await claimWebhookDeliveries(this.deps.db, { id: deliveryId, ...lease });
    if (deliveries.length === 0) {
      // Tell "its endpoint is full" from "nothing to do", so a caller can come back for it.
      const claimable = await isWebhookDeliveryClaimable(this.deps.db, { id: deliveryId, now });
      return claimable ? 'busy' : 'skipped';
    }
    const { outcomes } = await this.sendBatch(deliveries, 1, lease.leaseUntil);
    return outcomes[0] ?? 'skipped';
  }

  /**
   * The endpoint's due deliveries, batch after batch while it answers 2xx, up to `batches`: a backlog
   * drains at the endpoint's pace without waiting for the next sweep. A batch is `slots` times
   * `BATCH_PER_SLOT` deliveries claimed in one statement and recorded in one, sent with at most `slots` in
   * flight (never more than the endpoint's free slots across processes). A failing endpoint waits for its
   * retries.
   */
  async deliverEndpoint(
    endpointId: string,
    options: { slots?: number; batches?: number } = {},
  ): Promise<EndpointRun> {
    const cap = this.deps.endpointConcurrency;
    const slots = Math.max(1, Math.min(options.slots ?? cap, cap));
    let attempted = 0;
    for (let batch = 0; batch < (options.batches ?? BATCHES_PER_RUN); batch++) {
      const lease = this.lease(this.deps.now());
      const { deliveries, free } = await claimWebhookDeliveries(this.deps.db, {
        endpointId,
        limit: slots * BATCH_PER_SLOT,
        ...lease,
      });
      if (deliveries.length === 0) return { attempted, stopped: 'drained' };
      const run = await this.sendBatch(deliveries, Math.min(slots, free), lease.leaseUntil);
      attempted += run.outcomes.length;
      if (run.stopped) return { attempted, stopped: 'failing' };
    }
    return { attempted, stopped: 'limit' };
  }

  private lease(now: Date) {
    return {
      owner: this.owner,
      now,
      // The lease outlives an attempt started under it, so it only expires when the process is gone.
      leaseUntil: new Date(now.getTime() + leaseMs(this.deps.timeoutMs)),
      endpointCap: this.deps.endpointConcurrency,
    };
  }

  /**
   * Sends claimed deliveries of one endpoint, at most `concurrency` at once, records every attempt in one
   * statement, then the endpoint's health. Stops starting attempts after a failure, or when an attempt
   * could outlast the lease (a slow endpoint); what was not sent is let go for later.
   */
  private async sendBatch(
    claimed: ClaimedDelivery[],
    concurrency: number,
    leaseUntil: Date,
  ): Promise<{ outcomes: ('succeeded' | 'retrying' | 'failed')[]; stopped: boolean }> {
    const { deps } = this;
    const endpoint = claimed[0]!.endpoint;
    const secrets = await this.secrets.of(endpoint, deps.now());
    const sent: { claim: ClaimedDelivery; response: WebhookResponse; attemptedAt: Date }[] = [];
    let next = 0;
    let stopped = false;
    const lane = async () => {
      while (!stopped && next < claimed.length) {
        const attemptedAt = deps.now();
        if (attemptedAt.getTime() + deps.timeoutMs > leaseUntil.getTime()) {
          stopped = true;
          return;
        }
        const claim = claimed[next++]!;
        const response = await this.send(claim, secrets, attemptedAt);
        sent.push({ claim, response, attemptedAt });
        if (!succeeded(response)) stopped = true;
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, claimed.length)) }, lane));

    const results: AttemptResult[] = [];
    const outcomes: ('succeeded' | 'retrying' | 'failed')[] = [];
    let gone = false;
    let lastSuccess = -1;
    let lastFailure = -1;
    for (const [order, { claim, response, attemptedAt }] of sent.entries()) {
      const { delivery } = claim;
      const attemptNumber = delivery.attempts + 1;
      let outcome: 'succeeded' | 'retrying' | 'failed';
      if (succeeded(response)) {
        outcome = 'succeeded';
        lastSuccess = order;
      } else {
        // 410 Gone: the receiver says this endpoint is no more.
        gone ||= response.status === 410;
        outcome = response.status === 410 || attemptNumber >= MAX_ATTEMPTS ? 'failed' : 'retrying';
        lastFailure = order;
        deps.logger.info('webhook attempt failed', {
          delivery_id: delivery.id,
          endpoint_id: delivery.endpointId,
          attempt: attemptNumber,
          response_status: response.status,
          error: response.status === null ? response.error : null,
        });
      }
      outcomes.push(outcome);
      results.push({
        delivery,
        attempt: {
          attemptedAt,
          responseStatus: response.status,
          latencyMs: response.latencyMs,
          responseBody: response.status === null ? null : response.body,
          error: response.status === null ? response.error : null,
        },
        next:
          outcome === 'retrying'
            ? {
                status: 'pending',
                nextAttemptAt: new Date(attemptedAt.getTime() + RETRY_DELAYS_MS[attemptNumber - 1]!),
              }
            : { status: outcome },
      });
    }
    await this.record(results);
    const unsent = claimed.slice(next).map((claim) => claim.delivery.id);
    if (unsent.length) await releaseWebhookDeliveries(deps.db, { owner: this.owner, ids: unsent });

    const last = sent.at(-1)?.attemptedAt ?? deps.now();
    if (gone) {
      await this.disable(endpoint, 'gone');
    } else if (lastFailure > lastSuccess) {
      // The endpoint's streak of failures: afresh if an attempt of this batch succeeded before it.
      const failingSince = await markWebhookEndpointFailing(deps.db, {
        ...endpoint,
        now: lastSuccess >= 0 ? sent[lastSuccess + 1]!.attemptedAt : last,
        restart: lastSuccess >= 0,
      });
      if (failingSince && last.getTime() - failingSince.getTime() >= DISABLE_AFTER_FAILING_MS) {
        await this.disable(endpoint, 'failing');
      }
    } else if (lastSuccess >= 0 && endpoint.failingSince) {
      await markWebhookEndpointHealthy(deps.db, endpoint);
    }
    return { outcomes, stopped: stopped || unsent.length > 0 };
  }

  private async send(claim: ClaimedDelivery, secrets: string[], now: Date): Promise<WebhookResponse> {
    const { event, settings, endpoint } = claim;
    const payload = JSON.stringify(toEventResource(event, settings));
    const headers = signWebhook({ secrets, id: event.id, timestamp: now, payload });
    return this.deps.sender.send({
      url: endpoint.url,
      headers: { ...headers, 'content-type': 'application/json', 'user-agent': WEBHOOK_USER_AGENT },
      body: payload,
      timeoutMs: this.deps.timeoutMs,
    });
  }

  private async record(results: AttemptResult[]) {
    try {
      await recordWebhookAttempts(this.deps.db, { owner: this.owner, results });
    } catch (error) {
      // A delivery was deleted (its endpoint, or its event by retention) while its attempt was on its way:
      // nothing to record for it; record the others one by one.
      if (sqlState(error) !== FOREIGN_KEY_VIOLATION) throw error;
      if (results.length === 1) return;
      for (const result of results) await this.record([result]);
    }
  }

  /** Turns the endpoint off and, once, records `webhook_endpoint.disabled` (which other endpoints may receive). */
  private async disable(endpoint: WebhookEndpoint, reason: 'gone' | 'failing') {
    const { db, now, logger } = this.deps;
    await db.transaction(async (tx) => {
      const inner = tx as unknown as Database;
      const disabled = await disableWebhookEndpoint(inner, { ...endpoint, reason, now: now() });
      if (!disabled) return;
      await insertEvents(inner, {
        environmentId: endpoint.environmentId,
        linkedAccountId: null,
        events: [
          {
            type: 'webhook_endpoint.disabled',
            data: {
              object: {
                id: disabled.id,
                url: disabled.url,
                enabled: false,
                disabled_reason: reason,
                failing_since: disabled.failingSince?.toISOString() ?? null,
              },
            },
          },
        ],
      });
    });
    logger.warn('webhook endpoint disabled', { endpoint_id: endpoint.id, reason });
  }
}

/** The dispatcher of a process, from its services. */
export function webhookDispatcher(services: Services, processName?: string): WebhookDispatcher {
  return new WebhookDispatcher({
    db: services.db,
    secretBox: services.secretBox,
    sender: services.webhookSender,
    now: services.now,
    logger: services.logger,
    timeoutMs: services.config.webhooks.timeoutMs,
    endpointConcurrency: services.config.webhooks.endpointConcurrency,
    processName,
  });
}
