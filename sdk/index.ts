import createClient from 'openapi-fetch';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import type { components, operations, paths } from './schema';

/**
 * The Roster SDK: typed calls generated from openapi/openapi.json (`sdk/schema.ts`), cursor walks, idempotent
 * writes with retries, errors as `RosterError`, and webhook verification. Web APIs only: runs in Node 20+,
 * browsers, Workers and Deno.
 */

export type { components, operations, paths };
export type Schemas = components['schemas'];
export type Employee = Schemas['Employee'];
export type TimeoffType = Schemas['TimeoffType'];
export type TimeoffRequest = Schemas['TimeoffRequest'];
export type TimeoffBalance = Schemas['TimeoffBalance'];
export type LinkedAccount = Schemas['LinkedAccount'];
export type RosterEvent = Schemas['Event'];
export type WebhookEndpoint = Schemas['WebhookEndpoint'];
export type ErrorEnvelope = Schemas['Error'];
export type ErrorCode = ErrorEnvelope['error']['code'];
export type NewTimeoffRequest = Schemas['CreateTimeoffRequest'];
export { WebhookVerificationError };

type Query<Operation> = Operation extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;
/** A list's filters, without the cursor: the walk follows it. */
type ListFilters<Operation> = Omit<Query<Operation>, 'cursor'>;
type OnAccount = { linkedAccountId: string };

/** An answer of the gateway that is not a success, with its error envelope. */
export class RosterError extends Error {
  override readonly name = 'RosterError';
  /** The HTTP status; 0 when the gateway could not be reached. */
  readonly status: number;
  readonly code: ErrorCode | 'network_error';
  readonly requestId: string | null;
  readonly details: unknown;
  /** The envelope as received (`{ error: { code, message, request_id, details? } }`), or null. */
  readonly body: ErrorEnvelope | null;
  /** Seconds from `Retry-After`, when the gateway said when to retry. */
  readonly retryAfter: number | null;

  constructor(init: {
    status: number;
    body: ErrorEnvelope | null;
    message: string;
    retryAfter?: number | null;
    cause?: unknown;
  }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.body = init.body;
    this.code = init.body?.error.code ?? 'network_error';
    this.requestId = init.body?.error.request_id ?? null;
    this.details = init.body?.error.details;
    this.retryAfter = init.retryAfter ?? null;
  }
}

export interface RosterOptions {
  /** `sk_test_…` or `sk_live_…`. */
  apiKey: string;
  /** The gateway, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string;
  fetch?: (request: Request) => Promise<Response>;
  /**
   * Retries after a 429, 503, a `409` for a write still running (both with `Retry-After`), and — for reads and
   * keyed writes only — 502, 504 and network errors. Default 2.
   */
  maxRetries?: number;
  /** Longest wait between two attempts, in ms (default 10,000); `Retry-After` is honoured up to it. */
  maxRetryDelayMs?: number;
}

/** A write's answer: the resource, whether it was a replay of an earlier write with the key, and the key. */
export interface WriteResult<Resource> {
  result: Resource;
  replayed: boolean;
  idempotencyKey: string;
}

/** A list: `for await` walks every record across pages; `page()` fetches one page. */
export interface List<Item> extends AsyncIterable<Item> {
  page(cursor?: string | null): Promise<{ result: Item[]; next_cursor: string | null }>;
  /** Every record, in order (walks to the end). */
  all(): Promise<Item[]>;
}

const RETRY_STATUSES = new Set([429, 503]);
const UNKNOWN_OUTCOME_STATUSES = new Set([502, 504]);

export function createRoster(options: RosterOptions) {
  const maxRetries = options.maxRetries ?? 2;
  const maxDelay = options.maxRetryDelayMs ?? 10_000;
  const baseFetch = options.fetch ?? ((request: Request) => fetch(request));
  const api = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers: { authorization: `Bearer ${options.apiKey}` },
    // Every attempt of one call goes through here, so retries (and a write's key) live in one place.
    fetch: (request) => withRetries(request),
  });

  async function withRetries(request: Request): Promise<Response> {
    const write = request.method !== 'GET' && request.method !== 'HEAD';
    // A write is retried after an unknown outcome only with a key: the gateway then de-duplicates it.
    const safe = !write || request.headers.has('idempotency-key');
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await baseFetch(request.clone());
      } catch (error) {
        if (!safe || attempt >= maxRetries) {
          throw new RosterError({
            status: 0,
            body: null,
            message: `Could not reach Roster: ${error instanceof Error ? error.message : String(error)}`,
            cause: error,
          });
        }
        await sleep(backoff(attempt, null, maxDelay));
        continue;
      }
      const retryAfter = retryAfterSeconds(response);
      const again =
        RETRY_STATUSES.has(response.status) ||
        (response.status === 409 && retryAfter !== null && write) ||
        (safe && UNKNOWN_OUTCOME_STATUSES.has(response.status));
      if (!again || attempt >= maxRetries) return response;
      await response.body?.cancel();
      await sleep(backoff(attempt, retryAfter, maxDelay));
    }
  }

  /** The data of a success, or a `RosterError` carrying the envelope. */
  function unwrap<Data>(outcome: { data?: Data; error?: unknown; response: Response }): Data {
    if (outcome.response.ok && outcome.data !== undefined) return outcome.data;
    const body = isEnvelope(outcome.error) ? outcome.error : null;
    throw new RosterError({
      status: outcome.response.status,
      body,
      message: body?.error.message ?? `Roster answered ${outcome.response.status}.`,
      retryAfter: retryAfterSeconds(outcome.response),
    });
  }

  function list<Item>(
    load: (cursor: string | undefined) => Promise<{ result: Item[]; next_cursor: string | null }>,
  ): List<Item> {
    const page = (cursor?: string | null) => load(cursor ?? undefined);
    return {
      page,
      async *[Symbol.asyncIterator]() {
        let cursor: string | null = null;
        do {
          const current = await page(cursor);
          yield* current.result;
          cursor = current.next_cursor;
        } while (cursor);
      },
      async all() {
        const items: Item[] = [];
        for await (const item of this) items.push(item);
        return items;
      },
    };
  }

  const account = (linkedAccountId: string) => ({ 'x-linked-account-id': linkedAccountId });

  return {
    /** The typed openapi-fetch client, for every operation (with retries, without unwrapping). */
    api,
    employees: {
      list: ({ linkedAccountId, ...query }: OnAccount & ListFilters<operations['listEmployees']>) =>
        list<Employee>(async (cursor) =>
          unwrap(
            await api.GET('/unified/hris/employees', {
              params: { header: account(linkedAccountId), query: { ...query, cursor } },
            }),
          ),
        ),
      get: async ({
        linkedAccountId,
        id,
        ...query
      }: OnAccount & { id: string; include_remote_data?: boolean }) =>
        unwrap(
          await api.GET('/unified/hris/employees/{id}', {
            params: { header: account(linkedAccountId), path: { id }, query },
          }),
        ).result,
    },
    timeoffTypes: {
      list: ({ linkedAccountId, ...query }: OnAccount & ListFilters<operations['listTimeoffTypes']>) =>
        list<TimeoffType>(async (cursor) =>
          unwrap(
            await api.GET('/unified/hris/timeoff-types', {
              params: { header: account(linkedAccountId), query: { ...query, cursor } },
            }),
          ),
        ),
    },
    timeoffRequests: {
      list: ({ linkedAccountId, ...query }: OnAccount & ListFilters<operations['listTimeoffRequests']>) =>
        list<TimeoffRequest>(async (cursor) =>
          unwrap(
            await api.GET('/unified/hris/timeoff-requests', {
              params: { header: account(linkedAccountId), query: { ...query, cursor } },
            }),
          ),
        ),
      get: async ({ linkedAccountId, id }: OnAccount & { id: string }) =>
        unwrap(
          await api.GET('/unified/hris/timeoff-requests/{id}', {
            params: { header: account(linkedAccountId), path: { id } },
          }),
        ).result,
      /** Sends an `Idempotency-Key` (yours, or a new UUID) and reuses it on every retry of this call. */
      create: async ({
        linkedAccountId,
        idempotencyKey = crypto.randomUUID(),
        ...body
      }: OnAccount & { idempotencyKey?: string } & NewTimeoffRequest): Promise<
        WriteResult<TimeoffRequest>
      > => {
        const outcome = await api.POST('/unified/hris/timeoff-requests', {
          params: { header: { ...account(linkedAccountId), 'idempotency-key': idempotencyKey } },
          body,
        });
        return {
          result: unwrap(outcome).result,
          replayed: outcome.response.headers.get('idempotent-replayed') === 'true',
          idempotencyKey,
        };
      },
      delete: async ({
        linkedAccountId,
        id,
        idempotencyKey = crypto.randomUUID(),
      }: OnAccount & { id: string; idempotencyKey?: string }) => {
        const outcome = await api.DELETE('/unified/hris/timeoff-requests/{id}', {
          params: {
            header: { ...account(linkedAccountId), 'idempotency-key': idempotencyKey },
            path: { id },
          },
        });
        return {
          result: unwrap(outcome).result,
          replayed: outcome.response.headers.get('idempotent-replayed') === 'true',
          idempotencyKey,
        };
      },
    },
    timeoffBalances: {
      list: ({ linkedAccountId, ...query }: OnAccount & ListFilters<operations['listTimeoffBalances']>) =>
        list<TimeoffBalance>(async (cursor) =>
          unwrap(
            await api.GET('/unified/hris/timeoff-balances', {
              params: { header: account(linkedAccountId), query: { ...query, cursor } },
            }),
          ),
        ),
    },
    linkedAccounts: {
      list: (query: ListFilters<operations['listLinkedAccounts']> = {}) =>
        list<LinkedAccount>(async (cursor) =>
          unwrap(await api.GET('/linked-accounts', { params: { query: { ...query, cursor } } })),
        ),
      get: async (id: string) =>
        unwrap(await api.GET('/linked-accounts/{id}', { params: { path: { id } } })).result,
    },
    events: {
      list: (query: ListFilters<operations['listEvents']> = {}) =>
        list<RosterEvent>(async (cursor) =>
          unwrap(await api.GET('/events', { params: { query: { ...query, cursor } } })),
        ),
    },
    webhookEndpoints: {
      list: (query: ListFilters<operations['listWebhookEndpoints']> = {}) =>
        list<WebhookEndpoint>(async (cursor) =>
          unwrap(await api.GET('/webhook-endpoints', { params: { query: { ...query, cursor } } })),
        ),
    },
  };
}

export type Roster = ReturnType<typeof createRoster>;

/**
 * Checks a webhook's Standard Webhooks signature (`webhook-id`, `webhook-timestamp`, `webhook-signature`, with
 * five minutes of tolerance) against the endpoint's `whsec_…` secret and returns the event. Pass the body
 * exactly as received. Throws `WebhookVerificationError` for a wrong signature, an old timestamp or missing
 * headers.
 */
export function verifyWebhook(
  secret: string,
  body: string,
  headers: Headers | Record<string, string | string[] | undefined>,
): RosterEvent {
  const flat: Record<string, string> = {};
  const entries = headers instanceof Headers ? [...headers.entries()] : Object.entries(headers);
  for (const [name, value] of entries) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(' ') : value;
  }
  return new Webhook(secret).verify(body, flat) as RosterEvent;
}

function isEnvelope(value: unknown): value is ErrorEnvelope {
  const error = (value as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  return typeof error?.code === 'string' && typeof error.message === 'string';
}

function retryAfterSeconds(response: Response): number | null {
  const header = response.headers.get('retry-after');
  if (header === null) return null;
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : null;
}

/** `Retry-After` when given, else exponential backoff with full jitter from 250 ms; capped. */
function backoff(attempt: number, retryAfter: number | null, maxDelay: number): number {
  if (retryAfter !== null) return Math.min(retryAfter * 1000, maxDelay);
  return Math.random() * Math.min(250 * 2 ** attempt, maxDelay);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
