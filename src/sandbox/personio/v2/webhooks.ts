import type { Context, Hono, MiddlewareHandler } from 'hono';
import type { V2Env } from './auth';
import { csv, instantFilter, listPage, rejectUnknownFilters } from './paging';
import { utc } from './persons';
import { problem, V2RequestError } from './problem';
import {
  WEBHOOK_EVENT_NAMES,
  type WebhookAuthType,
  type WebhookEvent,
  type WebhookEventName,
  type WebhookHub,
  type WebhookRecord,
  type WebhookStatus,
} from './webhook-hub';

/**
 * Webhook management and the events API (REFERENCE §6 + addendum). No spec file covers them; decisions:
 * - Scopes: reads need `personio:webhooks:read` or `personio:webhooks:write`, changes need
 *   `personio:webhooks:write`; a token without it gets 403 problem+json. Which scopes a simulated
 *   credential may obtain is its `v2Scopes` (credentials.ts); SANDBOX_NO_WEBHOOKS_CREDENTIAL has none of these.
 * - ASSUMED: 400 for a body that is not a JSON object or a field of the wrong JSON type or an unknown
 *   field; 422 for values the rules refuse (bad URL, unknown event, token missing for TOKEN, headers
 *   outside CUSTOM or more than 3); 409 for a URL another webhook of the company already uses.
 * - ASSUMED: the answer never carries the token, and custom headers come back with their values masked.
 * - ASSUMED: `url` may be http as well as https (Personio requires https; tests receive on 127.0.0.1).
 * - ASSUMED list order: creation order; events oldest first; defaults `limit` 50, at most 200.
 * - ASSUMED event entries: the delivered body's fields plus `id` and a `delivery` summary.
 */

const WEBHOOK_FIELDS = [
  'url',
  'description',
  'status',
  'auth_type',
  'token',
  'custom_headers',
  'enabled_events',
] as const;
const LIST = { defaultLimit: 50, maxLimit: 200 };
const MAX_CUSTOM_HEADERS = 3;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
/** Headers a delivery sets itself; a custom header may not replace them. */
const RESERVED_HEADERS = ['content-type', 'content-length', 'host', 'transfer-encoding', 'connection'];
const MASK = '********';

const unprocessable = (detail: string) => new V2RequestError(422, detail);
const malformed = (detail: string) => new V2RequestError(400, detail);

function requireAnyScope(...scopes: string[]): MiddlewareHandler<V2Env> {
  return async (c, next) => {
    if (!scopes.some((scope) => c.get('scopes').includes(scope))) {
      return problem(c, 403, `The token lacks the scope ${scopes.join(' or ')}.`);
    }
    await next();
  };
}

export function renderWebhook(webhook: WebhookRecord) {
  const rendered: Record<string, unknown> = {
    id: webhook.id,
    url: webhook.url,
    description: webhook.description,
    status: webhook.status,
    auth_type: webhook.authType,
    enabled_events: webhook.enabledEvents,
    created_at: utc(webhook.createdMs),
    updated_at: utc(webhook.updatedMs),
  };
  if (webhook.authType === 'CUSTOM') {
    rendered.custom_headers = Object.fromEntries(
      Object.keys(webhook.customHeaders).map((name) => [name, MASK]),
    );
  }
  return rendered;
}

function renderEvent(event: WebhookEvent, companyId: string) {
  return {
    id: event.id,
    company_id: companyId,
    event_name: event.eventName,
    occurred_at: new Date(event.occurredMs).toISOString(),
    payload: event.payload,
    delivery: {
      status: event.deliveryStatus,
      attempts: event.attempts,
      last_attempt_at: event.lastAttemptMs === null ? null : new Date(event.lastAttemptMs).toISOString(),
      last_response_status: event.lastResponseStatus,
    },
  };
}

async function jsonObject(c: Context): Promise<Record<string, unknown>> {
  const parsed: unknown = await c.req.json().catch(() => undefined);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw malformed('The request body must be a JSON object.');
  }
  const unknown = Object.keys(parsed).filter((key) => !(WEBHOOK_FIELDS as readonly string[]).includes(key));
  if (unknown.length > 0) throw malformed(`Unknown fields: ${unknown.join(', ')}.`);
  return parsed as Record<string, unknown>;
}

/** `undefined` when absent; 400 when present with another JSON type. */
function field<T>(
  body: Record<string, unknown>,
  name: string,
  check: (value: unknown) => value is T,
): T | undefined {
  if (!(name in body)) return undefined;
  const value = body[name];
  if (!check(value)) throw malformed(`The field ${name} has the wrong type.`);
  return value;
}

const isString = (value: unknown): value is string => typeof value === 'string';
const isNullableString = (value: unknown): value is string | null =>
  value === null || typeof value === 'string';
const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');
const isStringRecord = (value: unknown): value is Record<string, string> =>
  value !== null &&
  typeof value === 'object' &&
  !Array.isArray(value) &&
  Object.values(value).every((item) => typeof item === 'string');

function checkUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw unprocessable('The url must be an absolute http(s) URL.');
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || raw.length > 2048) {
    throw unprocessable('The url must be an absolute http(s) URL of at most 2048 characters.');
  }
  if (url.username || url.password) throw unprocessable('The url must not carry credentials.');
  return raw;
}

function checkEvents(raw: string[]): WebhookEventName[] {
  if (raw.length === 0) throw unprocessable('enabled_events must name at least one event.');
  const unknown = raw.filter((name) => !(WEBHOOK_EVENT_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0) throw unprocessable(`Unknown events: ${unknown.join(', ')}.`);
  return [...new Set(raw)] as WebhookEventName[];
}

function checkStatus(raw: string): WebhookStatus {
  if (raw !== 'ENABLED' && raw !== 'DISABLED') throw unprocessable('status must be ENABLED or DISABLED.');
  return raw;
}

function checkAuthType(raw: string): WebhookAuthType {
  if (raw !== 'TOKEN' && raw !== 'NONE' && raw !== 'CUSTOM') {
    throw unprocessable('auth_type must be TOKEN, NONE or CUSTOM.');
  }
  return raw;
}

function checkHeaders(raw: Record<string, string>): Record<string, string> {
  const entries = Object.entries(raw);
  if (entries.length === 0 || entries.length > MAX_CUSTOM_HEADERS) {
    throw unprocessable(`custom_headers must hold 1 to ${MAX_CUSTOM_HEADERS} headers.`);
  }
  for (const [name, value] of entries) {
    if (!HEADER_NAME.test(name) || RESERVED_HEADERS.includes(name.toLowerCase())) {
      throw unprocessable(`The custom header name ${name} is not allowed.`);
    }
    if (value === '' || value.length > 1024 || /[\r\n\0]/.test(value)) {
      throw unprocessable(`The value of custom header ${name} must be 1 to 1024 characters on one line.`);
    }
  }
  return raw;
}

/** The authentication a webhook ends up with, checked as a whole (create, and a patch over the stored one). */
function resolveAuth(
  authType: WebhookAuthType,
  token: string | undefined,
  headers: Record<string, string> | undefined,
  current?: WebhookRecord,
): { token: string | null; customHeaders: Record<string, string> } {
  if (authType !== 'TOKEN' && token !== undefined)
    throw unprocessable('token is only allowed with auth_type TOKEN.');
  if (authType !== 'CUSTOM' && headers !== undefined) {
    throw unprocessable('custom_headers are only allowed with auth_type CUSTOM.');
  }
  if (authType === 'TOKEN') {
    const kept = token ?? (current?.authType === 'TOKEN' ? current.token : null);
    if (!kept) throw unprocessable('A token is required with auth_type TOKEN.');
    if (kept.length > 1024 || /[\r\n\0]/.test(kept)) {
      throw unprocessable('The token must be at most 1024 characters on one line.');
    }
    return { token: kept, customHeaders: {} };
  }
  if (authType === 'CUSTOM') {
    const kept = headers ?? (current?.authType === 'CUSTOM' ? current.customHeaders : undefined);
    if (!kept) throw unprocessable('custom_headers are required with auth_type CUSTOM.');
    return { token: null, customHeaders: checkHeaders(kept) };
  }
  return { token: null, customHeaders: {} };
}

function checkDescription(raw: string | null | undefined): string | null | undefined {
  if (typeof raw === 'string' && raw.length > 255)
    throw unprocessable('description must be at most 255 characters.');
  return raw;
}

export function registerWebhookRoutes(v2: Hono<V2Env>, hub: WebhookHub, now: () => Date): void {
  const read = requireAnyScope('personio:webhooks:read', 'personio:webhooks:write');
  const write = requireAnyScope('personio:webhooks:write');
  const duplicateUrl = (url: string, except?: string) =>
    hub.list().some((webhook) => webhook.url === url && webhook.id !== except);

  v2.post('/webhooks', write, async (c) => {
    const body = await jsonObject(c);
    const url = field(body, 'url', isString);
    if (url === undefined) throw unprocessable('url is required.');
    const rawEvents = field(body, 'enabled_events', isStringArray);
    if (rawEvents === undefined) throw unprocessable('enabled_events is required.');
    const description = checkDescription(field(body, 'description', isNullableString));
    const status = checkStatus(field(body, 'status', isString) ?? 'DISABLED');
    const authType = checkAuthType(field(body, 'auth_type', isString) ?? 'TOKEN');
    const auth = resolveAuth(
      authType,
      field(body, 'token', isString),
      field(body, 'custom_headers', isStringRecord),
    );
    const webhook: WebhookRecord = {
      id: crypto.randomUUID(),
      url: checkUrl(url),
      description: description ?? null,
      status,
      authType,
      ...auth,
      enabledEvents: checkEvents(rawEvents),
      createdMs: now().getTime(),
      updatedMs: now().getTime(),
    };
    if (duplicateUrl(webhook.url)) return problem(c, 409, 'A webhook with this url already exists.');
    hub.add(webhook);
    return c.json(renderWebhook(webhook), 201);
  });

  v2.get('/webhooks', read, (c) => {
    rejectUnknownFilters(c, ['enabled_events', 'status']);
    const wanted = csv(c, 'enabled_events');
    const status = c.req.query('status');
    if (status !== undefined && status !== 'ENABLED' && status !== 'DISABLED')
      throw malformed('Unknown status.');
    // ASSUMED: a webhook matches `enabled_events` when it is subscribed to any of the named events.
    const webhooks = hub
      .list()
      .filter((webhook) => status === undefined || webhook.status === status)
      .filter(
        (webhook) => !wanted || wanted.some((name) => (webhook.enabledEvents as string[]).includes(name)),
      );
    return c.json(listPage(c, webhooks.map(renderWebhook), LIST));
  });

  const found = (c: Context) => hub.find(c.req.param('id')?.toLowerCase() ?? '');

  v2.get('/webhooks/:id', read, (c) => {
    const webhook = found(c);
    if (!webhook) return problem(c, 404, 'There is no resource for the specified id.');
    return c.json(renderWebhook(webhook));
  });

  v2.patch('/webhooks/:id', write, async (c) => {
    const webhook = found(c);
    if (!webhook) return problem(c, 404, 'There is no resource for the specified id.');
    const body = await jsonObject(c);
    const url = field(body, 'url', isString);
    const rawEvents = field(body, 'enabled_events', isStringArray);
    const description = checkDescription(field(body, 'description', isNullableString));
    const rawStatus = field(body, 'status', isString);
    const rawAuthType = field(body, 'auth_type', isString);
    const authType = rawAuthType === undefined ? webhook.authType : checkAuthType(rawAuthType);
    const auth = resolveAuth(
      authType,
      field(body, 'token', isString),
      field(body, 'custom_headers', isStringRecord),
      webhook,
    );
    const next: WebhookRecord = {
      ...webhook,
      ...auth,
      authType,
      url: url === undefined ? webhook.url : checkUrl(url),
      description: description === undefined ? webhook.description : description,
      status: rawStatus === undefined ? webhook.status : checkStatus(rawStatus),
      enabledEvents: rawEvents === undefined ? webhook.enabledEvents : checkEvents(rawEvents),
      updatedMs: Math.max(now().getTime(), webhook.updatedMs),
    };
    if (duplicateUrl(next.url, webhook.id)) return problem(c, 409, 'A webhook with this url already exists.');
    // In place: queued retries of this webhook go to its current url and authentication.
    Object.assign(webhook, next);
    return c.json(renderWebhook(webhook));
  });

  v2.delete('/webhooks/:id', write, (c) => {
    const webhook = found(c);
    if (!webhook) return problem(c, 404, 'There is no resource for the specified id.');
    hub.remove(webhook.id);
    return c.body(null, 204);
  });

  v2.get('/webhooks/:id/events', read, (c) => {
    rejectUnknownFilters(c, ['occurred_at.gte', 'occurred_at.lte', 'event_name']);
    const webhook = found(c);
    if (!webhook) return problem(c, 404, 'There is no resource for the specified id.');
    const gte = instantFilter(c, 'occurred_at.gte');
    const lte = instantFilter(c, 'occurred_at.lte');
    const names = csv(c, 'event_name');
    const events = hub
      .eventsOf(webhook.id)
      .filter(
        (event) =>
          (gte === undefined || event.occurredMs >= gte) &&
          (lte === undefined || event.occurredMs <= lte) &&
          (!names || names.includes(event.eventName)),
      )
      .map((event) => renderEvent(event, hub.companyId));
    return c.json(listPage(c, events, LIST));
  });
}
