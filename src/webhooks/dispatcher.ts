import type { Services } from '../context';
import { randomBase62 } from '../crypto/random';
import type { SecretBox } from '../crypto/secret-box';
import type { Database } from '../db/client';
import { insertEvents } from '../db/queries/events';
import {
  claimWebhookDelivery,
  disableWebhookEndpoint,
  dueWebhookDeliveries,
  eventForDelivery,
  markWebhookEndpointFailing,
  markWebhookEndpointHealthy,
  recordWebhookAttempt,
} from '../db/queries/webhooks';
import type { WebhookDelivery, WebhookEndpoint } from '../db/schema';
import type { Logger } from '../lib/logger';
import { toEventResource } from '../routes/events/schemas';
import type { WebhookSender } from './sender';
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
 * Sends deliveries: claims one (lease in PostgreSQL), signs the event, sends it, records the attempt and
 * decides what follows. The database row is the only state; whatever wakes a delivery up (the in-process
 * loop, a BullMQ job, the sweep) calls `attempt`, and a second caller for the same delivery gets `skipped`.
 */
export class WebhookDispatcher {
  readonly owner: string;
  private readonly secrets: SecretCache;

  constructor(readonly deps: DispatcherDeps) {
    this.owner = `${deps.processName ?? 'roster'}/${randomBase62(10)}`;
    this.secrets = new SecretCache(deps.secretBox);
  }

  /** Deliveries due now, oldest first (across environments: this is the sweep). */
  async due(limit: number): Promise<{ id: string; attempts: number }[]> {
    return dueWebhookDeliveries(this.deps.db, {
      now: this.deps.now(),
      limit,
      perEndpoint: this.deps.endpointConcurrency,
    });
  }

  /** One attempt of this delivery, if it is due and free. */
  async attempt(deliveryId: string): Promise<AttemptOutcome> {
    return (await this.claimAndSend({ id: deliveryId })).outcome;
  }

  /**
   * An attempt of this delivery, then, while the endpoint answers 2xx, of its next due ones (up to `chain`
   * in all): a backlog drains at the endpoint's pace without waiting for the next sweep.
   */
  async attemptAndContinue(deliveryId: string, chain = 50): Promise<AttemptOutcome> {
    const first = await this.claimAndSend({ id: deliveryId });
    let endpointId = first.endpointId;
    for (let done = 1; endpointId && done < chain; done++) {
      endpointId = (await this.claimAndSend({ endpointId })).endpointId;
    }
    return first.outcome;
  }

  private async claimAndSend(
    target: { id: string } | { endpointId: string },
  ): Promise<{ outcome: AttemptOutcome; endpointId?: string }> {
    const { deps } = this;
    const now = deps.now();
    const claim = await claimWebhookDelivery(deps.db, {
      ...target,
      owner: this.owner,
      now,
      // The lease outlives the attempt's own timeout, so it only expires when the process is gone.
      leaseUntil: new Date(now.getTime() + leaseMs(deps.timeoutMs)),
      endpointCap: deps.endpointConcurrency,
    });
    if (!claim.claimed) return { outcome: claim.reason === 'endpoint_busy' ? 'busy' : 'skipped' };
    const outcome = await this.send(claim.claimed, claim.endpoint, now);
    // Only a healthy endpoint is worth going on with; a failing one waits for its retries.
    return { outcome, endpointId: outcome === 'succeeded' ? claim.endpoint.id : undefined };
  }

  private async send(
    delivery: WebhookDelivery,
    endpoint: WebhookEndpoint,
    now: Date,
  ): Promise<AttemptOutcome> {
    const { deps } = this;

    const found = await eventForDelivery(deps.db, {
      environmentId: delivery.environmentId,
      eventId: delivery.eventId,
    });
    if (!found) {
      // Retention deletes events with their deliveries; one claimed just before that finds nothing to send.
      await this.finish(
        delivery,
        now,
        { responseStatus: null, body: null, error: 'event no longer exists', latencyMs: 0 },
        'failed',
      );
      return 'failed';
    }
    const { event, settings } = found;
    const payload = JSON.stringify(toEventResource(event, settings));
    const headers = signWebhook({
      secrets: await this.secrets.of(endpoint, now),
      id: event.id,
      timestamp: now,
      payload,
    });
    const response = await deps.sender.send({
      url: endpoint.url,
      headers: { ...headers, 'content-type': 'application/json', 'user-agent': WEBHOOK_USER_AGENT },
      body: payload,
      timeoutMs: deps.timeoutMs,
    });
    const result = {
      responseStatus: response.status,
      body: response.status === null ? null : response.body,
      error: response.status === null ? response.error : null,
      latencyMs: response.latencyMs,
    };
    if (response.status !== null && response.status >= 200 && response.status < 300) {
      await this.finish(delivery, now, result, 'succeeded');
      if (endpoint.failingSince) await markWebhookEndpointHealthy(deps.db, endpoint);
      return 'succeeded';
    }
    if (response.status === 410) {
      // 410 Gone: the receiver says this endpoint is no more.
      await this.finish(delivery, now, result, 'failed');
      await this.disable(endpoint, 'gone');
      return 'failed';
    }
    const attemptNumber = delivery.attempts + 1;
    const last = attemptNumber >= MAX_ATTEMPTS;
    await this.finish(delivery, now, result, last ? 'failed' : 'retrying');
    const failingSince = await markWebhookEndpointFailing(deps.db, { ...endpoint, now });
    if (failingSince && now.getTime() - failingSince.getTime() >= DISABLE_AFTER_FAILING_MS) {
      await this.disable(endpoint, 'failing');
    }
    return last ? 'failed' : 'retrying';
  }

  private async finish(
    delivery: WebhookDelivery,
    attemptedAt: Date,
    result: { responseStatus: number | null; body: string | null; error: string | null; latencyMs: number },
    outcome: 'succeeded' | 'failed' | 'retrying',
  ) {
    const attemptNumber = delivery.attempts + 1;
    try {
      await this.record(delivery, attemptedAt, result, outcome, attemptNumber);
    } catch (error) {
      // The endpoint was deleted, its deliveries with it, while this attempt was on its way: nothing to record.
      if (sqlState(error) !== FOREIGN_KEY_VIOLATION) throw error;
    }
    if (outcome !== 'succeeded') {
      this.deps.logger.info('webhook attempt failed', {
        delivery_id: delivery.id,
        endpoint_id: delivery.endpointId,
        attempt: attemptNumber,
        response_status: result.responseStatus,
        error: result.error,
      });
    }
  }

  private async record(
    delivery: WebhookDelivery,
    attemptedAt: Date,
    result: { responseStatus: number | null; body: string | null; error: string | null; latencyMs: number },
    outcome: 'succeeded' | 'failed' | 'retrying',
    attemptNumber: number,
  ) {
    await recordWebhookAttempt(this.deps.db, {
      delivery,
      owner: this.owner,
      attempt: {
        attemptedAt,
        responseStatus: result.responseStatus,
        latencyMs: result.latencyMs,
        responseBody: result.body,
        error: result.error,
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
