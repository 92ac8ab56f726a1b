import type { Hono } from 'hono';
import type { SandboxEnv } from './auth';
import { personioError } from './errors';
import { V2_ABSENCE_ID_MODES, type V2AbsenceIdMode, type V2AbsenceIds } from './v2/absence-ids';
import type { DeliveryAttempt, WebhookHub } from './v2/webhook-hub';

/**
 * Simulator controls for v2 webhook delivery (not Personio's API; beside the other `/v1/_sandbox/` actions,
 * behind a v1 token): the retry schedule and timeout, an outage switch (the receiver "down" for a while),
 * and the delivery attempts made so far, for tests that cannot hold the sandbox object.
 *   GET  /v1/_sandbox/webhook-delivery    → { retry_delays_ms, timeout_ms, outage: { mode, until } | null }
 *   PUT  /v1/_sandbox/webhook-delivery    ← any of { retry_delays_ms, timeout_ms, outage: { mode, seconds? } | null }
 *   GET  /v1/_sandbox/webhook-attempts[?webhook_id=]  → { data: [attempt…] } oldest first
 *   DELETE /v1/_sandbox/webhook-attempts  forgets them
 *   GET|PUT /v1/_sandbox/v2-absence-ids   ↔ { mode: 'v1' | 'uuid' } how v2 names absences (v2/absence-ids.ts)
 */

const MAX_DELAY_MS = 30 * 86_400_000;

function renderSettings(hub: WebhookHub) {
  const settings = hub.settings();
  const outage = hub.outage();
  return {
    retry_delays_ms: settings.retryDelaysMs,
    timeout_ms: settings.timeoutMs,
    outage: outage && {
      mode: outage.mode,
      until: outage.untilMs === null ? null : new Date(outage.untilMs).toISOString(),
    },
  };
}

export function renderAttempt(attempt: DeliveryAttempt) {
  return {
    event_id: attempt.eventId,
    webhook_id: attempt.webhookId,
    event_name: attempt.eventName,
    url: attempt.url,
    attempt: attempt.attempt,
    at: new Date(attempt.atMs).toISOString(),
    response_status: attempt.responseStatus,
    error: attempt.error,
    outcome: attempt.outcome,
  };
}

export function registerWebhookControlRoutes(v1: Hono<SandboxEnv>, hub: WebhookHub): void {
  v1.get('/_sandbox/webhook-delivery', (c) => c.json({ success: true, data: renderSettings(hub) }));

  v1.put('/_sandbox/webhook-delivery', async (c) => {
    const body = (await c.req.json().catch(() => null)) as Record<string, unknown> | null;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      return personioError(c, 422, 'The body must be a JSON object.');
    }
    const delays = body.retry_delays_ms;
    if (
      delays !== undefined &&
      (!Array.isArray(delays) ||
        delays.length > 20 ||
        !delays.every((delay) => Number.isInteger(delay) && delay >= 0 && delay <= MAX_DELAY_MS))
    ) {
      return personioError(
        c,
        422,
        'retry_delays_ms must be at most 20 whole milliseconds, 0 to 30 days each.',
      );
    }
    const timeout = body.timeout_ms;
    if (
      timeout !== undefined &&
      !(Number.isInteger(timeout) && (timeout as number) >= 1 && (timeout as number) <= 60_000)
    ) {
      return personioError(c, 422, 'timeout_ms must be a whole number of milliseconds, 1 to 60000.');
    }
    const outage = body.outage as Record<string, unknown> | null | undefined;
    if (outage !== undefined && outage !== null) {
      const seconds = outage.seconds;
      if (
        typeof outage !== 'object' ||
        (outage.mode !== 'fail' && outage.mode !== 'drop') ||
        (seconds !== undefined && !(typeof seconds === 'number' && seconds > 0 && seconds <= 30 * 86_400))
      ) {
        return personioError(c, 422, 'outage must be null or { mode: "fail"|"drop", seconds? }.');
      }
    }
    hub.configure({
      ...(delays !== undefined ? { retryDelaysMs: delays as number[] } : {}),
      ...(timeout !== undefined ? { timeoutMs: timeout as number } : {}),
    });
    if (outage === null) hub.setOutage(null);
    else if (outage !== undefined) {
      hub.setOutage({
        mode: outage.mode as 'fail' | 'drop',
        forMs: outage.seconds === undefined ? undefined : (outage.seconds as number) * 1000,
      });
    }
    return c.json({ success: true, data: renderSettings(hub) });
  });

  v1.get('/_sandbox/webhook-attempts', (c) => {
    const webhookId = c.req.query('webhook_id')?.toLowerCase();
    const attempts = hub.attempts().filter((attempt) => !webhookId || attempt.webhookId === webhookId);
    return c.json({ success: true, data: attempts.map(renderAttempt) });
  });

  v1.delete('/_sandbox/webhook-attempts', (c) => {
    hub.clearAttempts();
    return c.json({ success: true, data: {} });
  });
}

export function registerV2AbsenceIdControl(v1: Hono<SandboxEnv>, ids: V2AbsenceIds): void {
  v1.get('/_sandbox/v2-absence-ids', (c) => c.json({ success: true, data: { mode: ids.mode() } }));
  v1.put('/_sandbox/v2-absence-ids', async (c) => {
    const body = (await c.req.json().catch(() => null)) as { mode?: unknown } | null;
    const mode = body?.mode;
    if (typeof mode !== 'string' || !(V2_ABSENCE_ID_MODES as readonly string[]).includes(mode)) {
      return personioError(c, 422, `mode must be one of: ${V2_ABSENCE_ID_MODES.join(', ')}.`);
    }
    ids.setMode(mode as V2AbsenceIdMode);
    return c.json({ success: true, data: { mode: ids.mode() } });
  });
}
