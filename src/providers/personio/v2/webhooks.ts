import { z } from 'zod';
import type { InboundChange } from '../../definition';
import { ProviderError } from '../../errors';
import { encode, readJson, unreadableAnswer } from '../client';
import { isV2AccessRefused, type PersonioV2Client, type V2Page, v2UpstreamError } from './client';

/**
 * Personio v2 webhooks (REFERENCE §6 and its addendum): management under `/v2/webhooks` (scope
 * `personio:webhooks:write`), deliveries carrying ids only, authenticated by the static token Personio puts
 * verbatim into `Authorization`, and a 30-day events API for what was missed.
 */

export const WEBHOOKS_SCOPE = 'personio:webhooks:write';
/** Personio keeps a webhook's events for 30 days. */
export const EVENTS_HISTORY_DAYS = 30;

/** The events the change feed needs: people and their employments (employees), and absence periods. */
export const ENABLED_EVENTS = [
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
] as const;

const IdValue = z.union([z.string().min(1).max(100), z.number().int()]).transform(String);
const Ref = z.looseObject({ id: IdValue });

/** A delivery and an item of the events API share this shape; `payload` keys are UNCONFIRMED beyond an id. */
const NotificationSchema = z.looseObject({
  event_name: z.string().min(1).max(200),
  occurred_at: z.string().max(100).nullish(),
  payload: z
    .looseObject({
      id: IdValue.nullish(),
      person_id: IdValue.nullish(),
      person: Ref.nullish(),
      absence_period_id: IdValue.nullish(),
    })
    .nullish(),
});
type Notification = z.infer<typeof NotificationSchema>;

const CreatedWebhookSchema = z.union([
  z.looseObject({ id: IdValue }),
  z.looseObject({ _data: z.looseObject({ id: IdValue }) }).transform((body) => body._data),
]);

/** The changes one notification names; events of records the feed does not keep name none. */
export function notificationChanges(notification: Notification, received: Date): InboundChange[] {
  const parsedAt = notification.occurred_at ? Date.parse(notification.occurred_at) : Number.NaN;
  const occurredAt = new Date(Number.isFinite(parsedAt) ? parsedAt : received.getTime()).toISOString();
  const payload = notification.payload ?? {};
  const [resource] = notification.event_name.split('.');
  if (resource === 'person') {
    const id = payload.id ?? payload.person_id ?? payload.person?.id;
    return id ? [{ kind: 'employee', remoteId: id, occurredAt }] : [];
  }
  if (resource === 'employment') {
    // An employment's id is not the employee's: only the person it belongs to names the unified record.
    const id = payload.person_id ?? payload.person?.id;
    return id ? [{ kind: 'employee', remoteId: id, occurredAt }] : [];
  }
  if (resource === 'absence-period') {
    // v2 absence period ids need not be v1 time-off ids (REFERENCE §1: UUIDs), and unified ids are v1's: the
    // person's time-off is read again through v1 instead (its id is the same in both versions).
    const id = payload.id ?? payload.absence_period_id;
    const person = payload.person?.id ?? payload.person_id ?? null;
    if (!id && !person) return [];
    return [{ kind: 'timeoff_request', remoteId: id ?? '', occurredAt, scope: { employeeId: person } }];
  }
  return [];
}

const AbsencePeriodOwnerSchema = z.looseObject({ person: Ref });

/**
 * The person of a v2 absence period (`GET /v2/absence-periods/{id}`), or null when Personio no longer has
 * it (deleted) or the credential cannot read v2 absences.
 */
export async function absencePeriodOwner(client: PersonioV2Client, id: string): Promise<string | null> {
  if (id === '') return null;
  try {
    const period = await client.getV2(
      `/v2/absence-periods/${encodeURIComponent(id)}`,
      [],
      AbsencePeriodOwnerSchema,
      { notFoundAsNull: true },
    );
    return period?.person.id ?? null;
  } catch (error) {
    if (isV2AccessRefused(error) || (error instanceof ProviderError && error.kind === 'forbidden'))
      return null;
    throw error;
  }
}

/** An inbound body as Personio sends it; anything else is `invalid_input`. */
export function parseNotification(body: unknown, received: Date): InboundChange[] {
  const parsed = NotificationSchema.safeParse(body);
  if (!parsed.success) {
    throw new ProviderError('invalid_input', 'The body is not a Personio webhook notification.', {
      details: { issues: parsed.error.issues.slice(0, 5).map((issue) => issue.path.join('.') || '(body)') },
    });
  }
  return notificationChanges(parsed.data, received);
}

/** `Authorization` as Personio sends it: the registered token verbatim. */
export function presentedToken(headers: Headers): string | null {
  const value = headers.get('authorization');
  return value ? value.trim() : null;
}

async function sendJson(
  client: PersonioV2Client,
  method: 'POST' | 'DELETE',
  path: string,
  json: unknown,
): Promise<{ status: number; body: unknown }> {
  const headers = new Headers({ accept: 'application/json' });
  if (json !== undefined) headers.set('content-type', 'application/json');
  const response = await client.send({
    method,
    url: new URL(`${client.v2Origin}${path}`),
    headers,
    body: json === undefined ? null : encode(JSON.stringify(json)),
    // Not repeatable blindly: a repeated POST could register two webhooks.
    retry: method === 'DELETE',
  });
  return { status: response.status, body: await readJson(response).catch(() => null) };
}

export async function registerWebhook(
  client: PersonioV2Client,
  target: { url: string; token: string },
): Promise<{ remoteId: string }> {
  const answer = await sendJson(client, 'POST', '/v2/webhooks', {
    url: target.url,
    description: 'Roster change feed',
    status: 'ENABLED',
    auth_type: 'TOKEN',
    token: target.token,
    enabled_events: ENABLED_EVENTS,
  });
  if (answer.status < 200 || answer.status > 299) {
    throw v2UpstreamError(answer.status, answer.body, new Headers());
  }
  const parsed = CreatedWebhookSchema.safeParse(answer.body);
  if (!parsed.success) throw unreadableAnswer(answer.status, parsed.error, 'a created webhook');
  return { remoteId: parsed.data.id };
}

export async function unregisterWebhook(client: PersonioV2Client, remoteId: string): Promise<void> {
  const answer = await sendJson(client, 'DELETE', `/v2/webhooks/${encodeURIComponent(remoteId)}`, undefined);
  if (answer.status === 404 || (answer.status >= 200 && answer.status <= 299)) return;
  throw v2UpstreamError(answer.status, answer.body, new Headers());
}

/** `GET /v2/webhooks/{id}/events` since `since`, every page; null when Personio no longer has the webhook. */
export async function eventsSince(
  client: PersonioV2Client,
  remoteId: string,
  since: Date,
  received: Date,
): Promise<InboundChange[] | null> {
  const path = `/v2/webhooks/${encodeURIComponent(remoteId)}/events`;
  const query: [string, string][] = [
    ['occurred_at.gte', since.toISOString()],
    ['limit', '200'],
  ];
  const changes: InboundChange[] = [];
  let cursor: string | null = null;
  try {
    do {
      const page: V2Page<Notification> = await client.page(path, query, cursor, NotificationSchema);
      for (const item of page.items) changes.push(...notificationChanges(item, received));
      cursor = page.next;
    } while (cursor);
  } catch (error) {
    const status = (error as { details?: { upstream_status?: unknown } } | null)?.details?.upstream_status;
    if (error instanceof ProviderError && status === 404) return null;
    throw error;
  }
  changes.sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
  return changes;
}
