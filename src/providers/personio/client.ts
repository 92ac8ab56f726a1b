import type { z } from 'zod';
import { sleep } from '../../lib/sleep';
import {
  type RequestTrace,
  traceRetry,
  traceTokenExchange,
  traceUpstreamCall,
} from '../../observability/request-trace';
import { ProviderError } from '../errors';
import { type HeaderPairs, type HttpTransport, TransportError, type UpstreamResponse } from '../http';
import { upstreamError, upstreamMessage } from './errors';
import {
  type BudgetPriority,
  backoffDelay,
  type RateBudget,
  RETRYABLE_STATUSES,
  type RetryPolicy,
  retryAfterMs,
} from './resilience';
import { AuthResponseSchema } from './schemas';
import type { IssuedToken, PersonioTokenManager } from './token-manager';

export interface PersonioCredentials {
  clientId: string;
  clientSecret: string;
}

export interface PersonioClientOptions {
  /** e.g. `https://api.personio.de/v1` */
  baseUrl: string;
  transport: HttpTransport;
  credentials: PersonioCredentials;
  tokens: PersonioTokenManager;
  /** Names this credential in the token cache and the rate budget (linked account id plus a credential version). */
  accountKey: string;
  /** Names the token in the token cache when it is not the account's v1 token (the v2 client's); default `accountKey`. */
  tokenKey?: string | undefined;
  partnerId?: string | undefined;
  appId: string;
  retry: RetryPolicy;
  /** Shared per-account pacing; absent means unpaced (tests of the client alone). */
  rateBudget?: RateBudget | undefined;
  /** `background` (sync passes): calls wait while live calls use the budget. Default `live`. */
  priority?: BudgetPriority;
  random?: () => number;
  now?: () => number;
}

const DEFAULT_TOKEN_LIFETIME_SECONDS = 86_400;

export interface PersonioRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Relative to the v1 base URL, e.g. `/company/time-offs`. */
  path: string;
  /** Repeatable keys are repeated entries (`['employees[]', '1'], ['employees[]', '2']`). */
  query?: [string, string][];
  body?: { json: unknown } | { form: [string, string][] };
  /** When the call may be sent again; reads default to `true`, writes to `false` (see `RetryMode`). */
  retry?: RetryMode;
}

/**
 * `true`: after a 429, 502, 503, 504, a timeout or a lost connection (reads, and writes that are safe to
 * repeat). `'unprocessed'`: only after a 429 or 503, where Personio says it did not act on the request —
 * for writes, which Personio cannot de-duplicate: after a timeout or a 502/504 the write may have happened.
 * `false`: never.
 */
export type RetryMode = boolean | 'unprocessed';

const UNPROCESSED_STATUSES = new Set([429, 503]);

/** A request the proxy forwards as it came: any URL under the Personio host, raw headers, a replayable body or none. */
export interface RawRequest {
  method: string;
  url: URL;
  headers: Headers | HeaderPairs;
  /** `null` for no body; a buffer can be re-sent on retry, a stream cannot. */
  body: ArrayBuffer | ReadableStream<Uint8Array> | null;
  retry: RetryMode;
}

/**
 * Personio v1 over HTTP: token handling (401 → one refresh), the `X-Personio-*` headers, a shared
 * rate budget, retries with backoff and jitter within a time budget, and errors mapped to `provider_*`.
 */
export class PersonioClient {
  private readonly random: () => number;
  protected readonly now: () => number;
  /** The request this handle calls for (see `forRequest`); unset on the shared client. */
  declare protected readonly trace: RequestTrace | undefined;
  /** The client shared by every request (a request's handle inherits it): what keeps per-client state. */
  readonly shared: PersonioClient;

  constructor(protected readonly options: PersonioClientOptions) {
    this.shared = this;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
  }

  get baseUrl(): string {
    return this.options.baseUrl;
  }

  /** The account (and credential version) this client speaks for: the rate budget's and token cache's key. */
  get accountKey(): string {
    return this.options.accountKey;
  }

  /**
   * A handle of this client for one request: the same client (options, rate budget, token cache), with
   * its upstream calls, retries, waits and token exchanges counted on `trace`.
   */
  forRequest(trace: RequestTrace | undefined): this {
    if (!trace) return this;
    // Assigned, not defined with a descriptor: `Object.create(proto, descriptors)` is 25× slower in V8.
    const handle = Object.create(this) as this & { trace: RequestTrace };
    handle.trace = trace;
    return handle;
  }

  /** GET a v1 resource and validate the body; `query` values may repeat (`employees[]`). */
  get<Schema extends z.ZodType>(
    path: string,
    query: [string, string][],
    schema: Schema,
    options: { notFoundAsNull?: boolean } = {},
  ): Promise<z.infer<Schema> | null> {
    return this.json({ method: 'GET', path, query }, schema, options);
  }

  /** Sends one v1 request with the linked account's token and validates the JSON answer. */
  async json<Schema extends z.ZodType>(
    request: PersonioRequest,
    schema: Schema,
    options: { notFoundAsNull?: boolean } = {},
  ): Promise<z.infer<Schema> | null> {
    const url = new URL(this.options.baseUrl + request.path);
    for (const [key, value] of request.query ?? []) url.searchParams.append(key, value);
    // Explicit, so every transport asks for compression (fetch would add it; the Node transport does not).
    const headers = new Headers({ accept: 'application/json', 'accept-encoding': 'gzip, deflate, br' });
    let body: ArrayBuffer | null = null;
    if (request.body && 'json' in request.body) {
      headers.set('content-type', 'application/json');
      body = encode(JSON.stringify(request.body.json));
    } else if (request.body) {
      headers.set('content-type', 'application/x-www-form-urlencoded');
      body = encode(new URLSearchParams(request.body.form).toString());
    }
    const response = await this.send({
      method: request.method,
      url,
      headers,
      body,
      retry: request.retry ?? request.method === 'GET',
    });
    const parsedBody = await readJson(response);
    if (response.status === 404 && options.notFoundAsNull) return null;
    if (!isOk(response)) throw upstreamError(response.status, parsedBody, response.headers);
    const parsed = schema.safeParse(parsedBody);
    if (!parsed.success) throw unreadableAnswer(response.status, parsed.error, 'a response');
    return parsed.data;
  }

  /**
   * Sends a request with the account's token and returns Personio's response as it is (the proxy).
   * A 401 is retried once with a fresh token when the body can be sent again.
   */
  async send(request: RawRequest): Promise<UpstreamResponse> {
    const deadline = this.now() + this.options.retry.budgetMs;
    let token = await this.token();
    let response = await this.attempt(request, token, deadline);
    if (response.status === 401 && !(request.body instanceof ReadableStream)) {
      // A token can be revoked or expire early: exchange once more and send again, once.
      await response.discard();
      await this.options.tokens.invalidate(this.tokenKey, token);
      token = await this.token();
      response = await this.attempt(request, token, deadline);
    } else if (response.status === 401) {
      await this.options.tokens.invalidate(this.tokenKey, token);
    }
    return response;
  }

  /** POST /auth with the credentials in the body (query-string credentials are deprecated by Personio). */
  async exchangeToken(): Promise<IssuedToken> {
    traceTokenExchange(this.trace);
    const response = await this.attempt(
      {
        method: 'POST',
        url: new URL(`${this.options.baseUrl}/auth`),
        headers: new Headers({ 'content-type': 'application/json', accept: 'application/json' }),
        body: encode(
          JSON.stringify({
            client_id: this.options.credentials.clientId,
            client_secret: this.options.credentials.clientSecret,
          }),
        ),
        // Exchanging again returns the same token, so the exchange is safe to repeat.
        retry: true,
      },
      null,
      this.now() + this.options.retry.budgetMs,
    );
    const body = await readJson(response);
    if (response.status === 400 || response.status === 401 || response.status === 403) {
      throw new ProviderError(
        'credentials_rejected',
        'Personio rejected the credentials of this linked account.',
        {
          details: {
            stage: 'token_exchange',
            upstream_status: response.status,
            upstream_message: upstreamMessage(body),
          },
        },
      );
    }
    if (!isOk(response)) throw upstreamError(response.status, body, response.headers);
    const parsed = AuthResponseSchema.safeParse(body);
    if (!parsed.success) throw unreadableAnswer(response.status, parsed.error, 'an authentication response');
    return {
      token: parsed.data.data.token,
      expiresInSeconds: parsed.data.data.expires_in ?? DEFAULT_TOKEN_LIFETIME_SECONDS,
    };
  }

  private token(): Promise<string> {
    return this.options.tokens.getToken(this.tokenKey, () => this.exchangeToken());
  }

  private get tokenKey(): string {
    return this.options.tokenKey ?? this.options.accountKey;
  }

  /**
   * One logical request: waits for the account's rate budget, then sends; on 429/502/503/504 or a
   * timeout (when `retry` allows) waits `Retry-After` or a jittered backoff and sends again, as long
   * as the time budget lasts. The last answer is returned; only a transport failure throws.
   */
  protected async attempt(
    request: RawRequest,
    token: string | null,
    deadline: number,
  ): Promise<UpstreamResponse> {
    const { retry } = this.options;
    const replayable = !(request.body instanceof ReadableStream);
    for (let attempt = 0; ; attempt++) {
      await this.waitForBudget(deadline);
      const remaining = deadline - this.now();
      const canRetry = request.retry !== false && replayable && attempt + 1 < retry.maxAttempts;
      let response: UpstreamResponse;
      const sent = performance.now();
      try {
        response = await this.options.transport.send({
          method: request.method,
          url: request.url,
          headers: this.headers(request.headers, token),
          body: request.body,
          timeoutMs: Math.max(1, Math.min(retry.attemptTimeoutMs, remaining)),
        });
      } catch (error) {
        traceUpstreamCall(
          this.trace,
          request.method,
          request.url,
          null,
          performance.now() - sent,
          attempt + 1,
        );
        const delay = backoffDelay(attempt, retry, this.random);
        if (canRetry && request.retry === true && this.now() + delay < deadline) {
          traceRetry(this.trace);
          await sleep(delay);
          continue;
        }
        throw this.transportFailure(error, attempt + 1);
      }
      // Latency to the answer's head: a streamed body (the proxy) is the caller's time, not Personio's.
      traceUpstreamCall(
        this.trace,
        request.method,
        request.url,
        response.status,
        performance.now() - sent,
        attempt + 1,
      );
      const retryable = request.retry === true ? RETRYABLE_STATUSES : UNPROCESSED_STATUSES;
      if (!retryable.has(response.status) || !canRetry) return response;
      const delay = Math.max(
        retryAfterMs(response.headers, this.now()) ?? 0,
        backoffDelay(attempt, retry, this.random),
      );
      if (this.now() + delay >= deadline) return response;
      traceRetry(this.trace);
      await response.discard();
      await sleep(delay);
    }
  }

  /** A request that got no answer, as the caller's error. */
  private transportFailure(error: unknown, attempts: number): ProviderError {
    if (error instanceof TransportError && error.kind === 'timeout') {
      return new ProviderError('timeout', 'Personio did not answer in time.', {
        details: { attempts, attempt_timeout_ms: this.options.retry.attemptTimeoutMs },
      });
    }
    return new ProviderError('unavailable', 'Personio could not be reached.', {
      details: { attempts, reason: error instanceof Error ? error.message : String(error) },
    });
  }

  private async waitForBudget(deadline: number): Promise<void> {
    if (!this.options.rateBudget) return;
    const slot = await this.options.rateBudget.acquire(
      this.options.accountKey,
      deadline - this.now(),
      this.options.priority,
      this.trace,
    );
    if (!slot.ok) {
      throw new ProviderError(
        'rate_limited',
        "This linked account's Personio rate budget is spent; retry later.",
        {
          details: { source: 'gateway', wait_ms: slot.waitMs },
          headers: { 'Retry-After': String(Math.max(1, Math.ceil(slot.waitMs / 1000))) },
        },
      );
    }
  }

  private headers(base: Headers | HeaderPairs, token: string | null): Headers | HeaderPairs {
    if (Array.isArray(base)) {
      // Pairs stay pairs (the proxy's hot path); what the client sets replaces any copy the caller sent.
      const { appId, partnerId } = this.options;
      const replaced = (name: string) =>
        name === 'x-personio-app-id' ||
        (name === 'x-personio-partner-id' && !!partnerId) ||
        (name === 'authorization' && !!token);
      const pairs: HeaderPairs = [];
      for (const pair of base) if (!replaced(pair[0].toLowerCase())) pairs.push(pair);
      pairs.push(['x-personio-app-id', appId]);
      if (partnerId) pairs.push(['x-personio-partner-id', partnerId]);
      if (token) pairs.push(['authorization', `Bearer ${token}`]);
      return pairs;
    }
    const headers = new Headers(base);
    headers.set('X-Personio-App-ID', this.options.appId);
    if (this.options.partnerId) headers.set('X-Personio-Partner-ID', this.options.partnerId);
    if (token) headers.set('authorization', `Bearer ${token}`);
    return headers;
  }
}

export function encode(text: string): ArrayBuffer {
  return new TextEncoder().encode(text).buffer as ArrayBuffer;
}

export function isOk(response: UpstreamResponse): boolean {
  return response.status >= 200 && response.status < 300;
}

export async function readJson(response: UpstreamResponse): Promise<unknown> {
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    if (!(error instanceof TransportError)) throw error;
    throw new ProviderError(
      error.kind === 'timeout' ? 'timeout' : 'unavailable',
      error.kind === 'timeout'
        ? 'Personio stopped sending its answer.'
        : 'Personio’s answer could not be read.',
      { details: { upstream_status: response.status, reason: error.message } },
    );
  }
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    if (!isOk(response)) return null;
    throw new ProviderError('bad_response', 'Personio sent a body that is not JSON.', {
      details: { upstream_status: response.status },
    });
  }
}

/** A field the gateway reads came in a shape it cannot use: `provider_error` naming the field (never its value). */
export function unreadableAnswer(status: number, error: z.ZodError, what: string): ProviderError {
  const issues = error.issues
    .slice(0, 5)
    .map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  const first = issues[0]?.path;
  return new ProviderError(
    'bad_response',
    `Personio sent ${what} the gateway does not understand${first ? ` (field \`${first}\`)` : ''}.`,
    { details: { upstream_status: status, issues } },
  );
}
