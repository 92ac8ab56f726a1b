/**
 * The simulator's Personio v2 webhooks (REFERENCE §6 and its addendum): the registered webhooks, the events
 * each one was sent (the 30-day events API), and their delivery. No webhooks spec file exists; what the
 * docs leave open is decided here and marked ASSUMED:
 * - ASSUMED: webhooks belong to the company (one sandbox = one company), not to the credential that made them.
 * - Delivery is queued (a timer), never inside the API request that caused the change. One POST per attempt
 *   (Personio's "≤2 fast tries" per attempt are not modelled), redirects not followed, 2xx acknowledges, every
 *   other answer and a timeout are retried on the schedule, except 501 (never retried, as Personio documents).
 * - ASSUMED: an event is recorded for each ENABLED webhook subscribed to it at the time of the change; a
 *   DISABLED webhook gets nothing, not even an events-API entry.
 * - The delivery schedule and an outage switch are simulator controls (`configure`, `setOutage`): during an
 *   outage in mode `fail` every attempt fails without a request and is retried; in mode `drop` the event is
 *   recorded but never sent, as if every attempt had been lost — only the events API can recover it.
 */

export const WEBHOOK_EVENT_NAMES = [
  'person.created',
  'person.updated',
  'person.deleted',
  'employment.created',
  'employment.updated',
  'employment.deleted',
  'employment.started',
  'employment.terminated',
  'absence-period.created',
  'absence-period.updated.timerange',
  'absence-period.updated.status',
  'absence-period.deleted',
  // Accepted for subscription; the simulator has no attendance periods in v2 and never fires these.
  'attendance-period.created',
  'attendance-period.updated',
  'attendance-period.deleted',
] as const;
export type WebhookEventName = (typeof WEBHOOK_EVENT_NAMES)[number];

export type WebhookStatus = 'ENABLED' | 'DISABLED';
export type WebhookAuthType = 'TOKEN' | 'NONE' | 'CUSTOM';

export interface WebhookRecord {
  id: string;
  url: string;
  description: string | null;
  status: WebhookStatus;
  authType: WebhookAuthType;
  /** Sent verbatim as `Authorization` for TOKEN; never rendered back. */
  token: string | null;
  /** Sent as given for CUSTOM; their values are never rendered back. */
  customHeaders: Record<string, string>;
  enabledEvents: WebhookEventName[];
  createdMs: number;
  updatedMs: number;
}

export type DeliveryStatus = 'PENDING' | 'DELIVERED' | 'FAILED' | 'DROPPED';

export interface WebhookEvent {
  id: string;
  webhookId: string;
  eventName: WebhookEventName;
  occurredMs: number;
  payload: Record<string, unknown>;
  deliveryStatus: DeliveryStatus;
  attempts: number;
  lastAttemptMs: number | null;
  lastResponseStatus: number | null;
}

/** One delivery attempt, as tests read them (`attempts()` or `GET /v1/_sandbox/webhook-attempts`). */
export interface DeliveryAttempt {
  eventId: string;
  webhookId: string;
  eventName: WebhookEventName;
  url: string;
  /** 1-based */
  attempt: number;
  atMs: number;
  /** HTTP status of the answer, null when none came (timeout, refused connection, outage). */
  responseStatus: number | null;
  error: string | null;
  /** `retry` = failed, another attempt is scheduled; `failed` = failed for good. */
  outcome: 'delivered' | 'retry' | 'failed' | 'dropped';
}

export interface WebhookDeliverySettings {
  /** Waits before the 2nd, 3rd, … attempt; attempts = length + 1. */
  retryDelaysMs: number[];
  /** Time an endpoint has to answer (Personio: 3 s). */
  timeoutMs: number;
}

export interface WebhookOutage {
  mode: 'fail' | 'drop';
  /** Epoch ms when it ends by itself; null = until cleared. */
  untilMs: number | null;
}

/**
 * Close to Personio's "up to 6 attempts over 3 days" (REFERENCE §6): 1 min, 10 min, 1 h, 12 h, then 54 h
 * (about 2.8 days from the first attempt to the last). The exact Personio schedule is UNCONFIRMED.
 */
export const DEFAULT_WEBHOOK_DELIVERY: WebhookDeliverySettings = {
  retryDelaysMs: [60_000, 600_000, 3_600_000, 43_200_000, 194_400_000],
  timeoutMs: 3000,
};

const EVENTS_API_DAYS = 30;
const DAY_MS = 86_400_000;
/** Bounds memory in a long-running sandbox; older entries go first. */
const MAX_EVENTS_PER_WEBHOOK = 10_000;
const MAX_ATTEMPTS_KEPT = 10_000;
/** Delays above this are not valid for setTimeout (they would fire at once). */
const MAX_DELAY_MS = 2_147_483_647;

/**
 * How deliveries leave. The default POSTs with `fetch` (no redirects followed); a gateway hosting the simulator
 * passes its own webhook sender, so the simulator's deliveries obey the same egress policy as the gateway's
 * (the simulator's management API is reachable through the gateway's proxy: its URLs are not to be trusted).
 */
export interface WebhookTransport {
  send(request: {
    url: string;
    headers: Record<string, string>;
    body: string;
    timeoutMs: number;
  }): Promise<{ status: number } | { status: null; error: string }>;
}

export function fetchWebhookTransport(fetchImpl: typeof fetch = globalThis.fetch): WebhookTransport {
  return {
    async send(request) {
      try {
        const response = await fetchImpl(request.url, {
          method: 'POST',
          headers: request.headers,
          body: request.body,
          redirect: 'manual',
          signal: AbortSignal.timeout(request.timeoutMs),
        });
        await response.body?.cancel().catch(() => undefined);
        return { status: response.status };
      } catch (caught) {
        const timedOut =
          caught instanceof Error && (caught.name === 'TimeoutError' || caught.name === 'AbortError');
        return {
          status: null,
          error: timedOut
            ? `timed out after ${request.timeoutMs} ms`
            : `request failed: ${caught instanceof Error ? caught.message : String(caught)}`,
        };
      }
    },
  };
}

export interface WebhookHubOptions {
  companyId: string;
  now: () => Date;
  /** default fetchWebhookTransport() */
  transport?: WebhookTransport;
  delivery?: Partial<WebhookDeliverySettings>;
}

export type WebhookHub = ReturnType<typeof createWebhookHub>;

export function createWebhookHub(options: WebhookHubOptions) {
  const webhooks = new Map<string, WebhookRecord>();
  const events = new Map<string, WebhookEvent[]>();
  const attempts: DeliveryAttempt[] = [];
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let settings: WebhookDeliverySettings = { ...DEFAULT_WEBHOOK_DELIVERY, ...options.delivery };
  let outage: WebhookOutage | null = null;
  let stopped = false;
  let inFlight = 0;
  const nowMs = () => options.now().getTime();
  const transport = options.transport ?? fetchWebhookTransport();

  const currentOutage = (): WebhookOutage | null => {
    if (outage && outage.untilMs !== null && Date.now() >= outage.untilMs) outage = null;
    return outage;
  };

  const schedule = (delayMs: number, task: () => Promise<void>) => {
    if (stopped) return;
    const timer = setTimeout(
      () => {
        timers.delete(timer);
        inFlight++;
        task()
          .catch(() => undefined)
          .finally(() => inFlight--);
      },
      Math.min(delayMs, MAX_DELAY_MS),
    );
    // A simulator inside a server or a test run must not be kept running by a retry days away.
    (timer as { unref?: () => void }).unref?.();
    timers.add(timer);
  };

  const record = (attempt: DeliveryAttempt) => {
    attempts.push(attempt);
    if (attempts.length > MAX_ATTEMPTS_KEPT) attempts.splice(0, attempts.length - MAX_ATTEMPTS_KEPT);
  };

  const body = (event: WebhookEvent) =>
    JSON.stringify({
      company_id: options.companyId,
      event_name: event.eventName,
      occurred_at: new Date(event.occurredMs).toISOString(),
      payload: event.payload,
    });

  async function attempt(event: WebhookEvent, webhook: WebhookRecord): Promise<void> {
    const number = event.attempts + 1;
    const atMs = nowMs();
    const maxAttempts = settings.retryDelaysMs.length + 1;
    const down = currentOutage();
    if (down?.mode === 'drop') {
      event.deliveryStatus = 'DROPPED';
      record({ ...base(event, webhook, number, atMs), outcome: 'dropped', error: 'outage (drop)' });
      return;
    }
    let responseStatus: number | null = null;
    let error: string | null = null;
    if (down?.mode === 'fail') {
      error = 'outage (fail)';
    } else {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (webhook.authType === 'TOKEN' && webhook.token) headers.authorization = webhook.token;
      if (webhook.authType === 'CUSTOM') Object.assign(headers, webhook.customHeaders);
      const answer = await transport
        .send({ url: webhook.url, headers, body: body(event), timeoutMs: settings.timeoutMs })
        .catch((caught: unknown) => ({ status: null, error: `request failed: ${String(caught)}` }));
      responseStatus = answer.status;
      if (answer.status === null) error = answer.error;
    }
    event.attempts = number;
    event.lastAttemptMs = atMs;
    event.lastResponseStatus = responseStatus;
    const delivered = responseStatus !== null && responseStatus >= 200 && responseStatus < 300;
    const retry = !delivered && responseStatus !== 501 && number < maxAttempts;
    event.deliveryStatus = delivered ? 'DELIVERED' : retry ? 'PENDING' : 'FAILED';
    record({
      ...base(event, webhook, number, atMs),
      responseStatus,
      error: delivered ? null : (error ?? `answered ${responseStatus}`),
      outcome: delivered ? 'delivered' : retry ? 'retry' : 'failed',
    });
    if (retry) schedule(settings.retryDelaysMs[number - 1]!, () => attemptIfLive(event));
  }

  /** A retry goes to the webhook as it is then; a deleted or disabled webhook gets no more attempts. */
  async function attemptIfLive(event: WebhookEvent): Promise<void> {
    const webhook = webhooks.get(event.webhookId);
    if (webhook?.status !== 'ENABLED') {
      event.deliveryStatus = 'FAILED';
      return;
    }
    await attempt(event, webhook);
  }

  function base(event: WebhookEvent, webhook: WebhookRecord, number: number, atMs: number) {
    return {
      eventId: event.id,
      webhookId: webhook.id,
      eventName: event.eventName,
      url: webhook.url,
      attempt: number,
      atMs,
      responseStatus: null,
      error: null,
    };
  }

  return {
    companyId: options.companyId,

    list: () => [...webhooks.values()],
    find: (id: string) => webhooks.get(id),
    add(webhook: WebhookRecord) {
      webhooks.set(webhook.id, webhook);
      events.set(webhook.id, []);
    },
    remove(id: string): boolean {
      events.delete(id);
      return webhooks.delete(id);
    },

    /** Whether any webhook would receive an event now (spares callers working out events nobody gets). */
    listening: () => [...webhooks.values()].some((webhook) => webhook.status === 'ENABLED'),

    /** Fires an event at every ENABLED webhook subscribed to it; returns at once (delivery is queued). */
    emit(eventName: WebhookEventName, payload: Record<string, unknown>): void {
      const occurredMs = nowMs();
      for (const webhook of webhooks.values()) {
        if (webhook.status !== 'ENABLED' || !webhook.enabledEvents.includes(eventName)) continue;
        const event: WebhookEvent = {
          id: crypto.randomUUID(),
          webhookId: webhook.id,
          eventName,
          occurredMs,
          payload,
          deliveryStatus: 'PENDING',
          attempts: 0,
          lastAttemptMs: null,
          lastResponseStatus: null,
        };
        const list = events.get(webhook.id)!;
        list.push(event);
        if (list.length > MAX_EVENTS_PER_WEBHOOK) list.splice(0, list.length - MAX_EVENTS_PER_WEBHOOK);
        // Checked again when it runs: a webhook deleted or disabled in the meantime gets nothing.
        schedule(0, () => attemptIfLive(event));
      }
    },

    /** The events API's view: the last 30 days, oldest first. */
    eventsOf(webhookId: string): WebhookEvent[] {
      const since = nowMs() - EVENTS_API_DAYS * DAY_MS;
      return (events.get(webhookId) ?? []).filter((event) => event.occurredMs >= since);
    },

    attempts: (): readonly DeliveryAttempt[] => attempts,
    clearAttempts: () => void attempts.splice(0),

    settings: (): WebhookDeliverySettings => ({ ...settings, retryDelaysMs: [...settings.retryDelaysMs] }),
    configure(next: Partial<WebhookDeliverySettings>) {
      settings = { ...settings, ...next };
    },
    outage: currentOutage,
    /** `forMs` omitted: until `setOutage(null)`. Wall-clock, like the retry timers. */
    setOutage(next: { mode: 'fail' | 'drop'; forMs?: number } | null) {
      outage = next
        ? { mode: next.mode, untilMs: next.forMs === undefined ? null : Date.now() + next.forMs }
        : null;
    },

    /** Deliveries queued, in flight or waiting for a retry. */
    pendingDeliveries: () => timers.size + inFlight,
    /** Cancels every queued delivery and retry (a closing server). */
    stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
