import type { z } from 'zod';
import { traceTokenExchange } from '../../../observability/request-trace';
import { ProviderError } from '../../errors';
import type { UpstreamResponse } from '../../http';
import {
  encode,
  isOk,
  PersonioClient,
  type PersonioClientOptions,
  readJson,
  unreadableAnswer,
} from '../client';
import { upstreamError } from '../errors';
import type { IssuedToken } from '../token-manager';
import { V2OAuthErrorSchema, V2ProblemSchema, V2TokenSchema, v2List } from './schemas';

/**
 * Personio v2 over the v1 client's machinery: the same token manager (the v2 token under its own key, one
 * exchange per lifetime shared by every process, refreshed before expiry, one retry on 401), the same
 * per-account rate budget as v1 calls of the account (same `accountKey`), the same retries. What differs:
 * `POST /v2/auth/token` (form-encoded client credentials), cursor pages read from `_meta.links.next`, and
 * `application/problem+json` errors.
 */

const DEFAULT_TOKEN_LIFETIME_SECONDS = 86_400;
/** Token-cache key suffix of an account's v2 token (beside its v1 token). */
export const V2_TOKEN_KEY_SUFFIX = ':v2';
/** The OAuth2 errors that mean "this credential cannot have a v2 token", not "try again". */
const REFUSED_CLIENT_ERRORS = new Set([
  'invalid_client',
  'unauthorized_client',
  'invalid_grant',
  'access_denied',
]);

/** v1's base URL (`https://api.personio.de/v1`) → the host v2 paths hang off (`https://api.personio.de`). */
export function v2Origin(v1BaseUrl: string): string {
  return v1BaseUrl.replace(/\/v1\/?$/, '');
}

export interface V2Page<Item> {
  items: Item[];
  /** The cursor of the next page, or null on the last one. */
  next: string | null;
}

export class PersonioV2Client extends PersonioClient {
  private readonly origin: string;

  constructor(options: PersonioClientOptions) {
    super({ ...options, tokenKey: `${options.tokenKey ?? options.accountKey}${V2_TOKEN_KEY_SUFFIX}` });
    this.origin = v2Origin(options.baseUrl);
  }

  /** The host v2 paths hang off. */
  get v2Origin(): string {
    return this.origin;
  }

  /**
   * `POST /v2/auth/token`. A credential Personio refuses v2 tokens (all OAuth2 errors are HTTP 400) is a
   * `forbidden` ProviderError with `details.stage = 'v2_token_exchange'`: its v1 access may still be fine,
   * so it is never `credentials_rejected` (which makes an account needs_reauth).
   */
  override async exchangeToken(): Promise<IssuedToken> {
    traceTokenExchange(this.trace);
    const response = await this.attempt(
      {
        method: 'POST',
        url: new URL(`${this.origin}/v2/auth/token`),
        headers: new Headers({
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        }),
        body: encode(
          new URLSearchParams({
            grant_type: 'client_credentials',
            client_id: this.options.credentials.clientId,
            client_secret: this.options.credentials.clientSecret,
          }).toString(),
        ),
        // Exchanging again returns the same token, so the exchange is safe to repeat.
        retry: true,
      },
      null,
      this.now() + this.options.retry.budgetMs,
    );
    const body = await readJson(response);
    const oauthError = V2OAuthErrorSchema.safeParse(body);
    if (response.status === 400 || response.status === 401 || response.status === 403) {
      const error = oauthError.success ? oauthError.data.error : null;
      throw new ProviderError('forbidden', 'Personio does not give this credential access to its v2 API.', {
        details: {
          stage: 'v2_token_exchange',
          upstream_status: response.status,
          upstream_error: error,
          refused: error === null || REFUSED_CLIENT_ERRORS.has(error),
        },
      });
    }
    if (!isOk(response)) throw v2UpstreamError(response.status, body, response.headers);
    const parsed = V2TokenSchema.safeParse(body);
    if (!parsed.success) throw unreadableAnswer(response.status, parsed.error, 'a v2 token response');
    return {
      token: parsed.data.access_token,
      expiresInSeconds: parsed.data.expires_in ?? DEFAULT_TOKEN_LIFETIME_SECONDS,
      scope: parsed.data.scope ?? null,
    };
  }

  /** GET a v2 resource (`/v2/...`) and validate it; repeatable query keys are repeated entries. */
  async getV2<Schema extends z.ZodType>(
    path: string,
    query: [string, string][],
    schema: Schema,
    options: { notFoundAsNull?: boolean } = {},
  ): Promise<z.infer<Schema> | null> {
    const url = new URL(this.origin + path);
    for (const [key, value] of query) url.searchParams.append(key, value);
    const response = await this.send({
      method: 'GET',
      url,
      headers: new Headers({ accept: 'application/json', 'accept-encoding': 'gzip, deflate, br' }),
      body: null,
      retry: true,
    });
    return readV2(response, schema, options);
  }

  /**
   * One page of a v2 list. The filters are sent with the cursor too (whether Personio needs them again is
   * UNCONFIRMED; sending them is correct either way), and the next cursor is read from `_meta.links.next`
   * (absolute or relative link).
   */
  async page<Item extends z.ZodType>(
    path: string,
    query: [string, string][],
    cursor: string | null,
    item: Item,
  ): Promise<V2Page<z.infer<Item>>> {
    const body = await this.getV2(path, cursor ? [...query, ['cursor', cursor]] : query, v2List(item));
    const href = body!._meta?.links?.next?.href;
    let next: string | null = null;
    if (href) {
      next = new URL(href, `${this.origin}/`).searchParams.get('cursor');
      if (!next) {
        throw new ProviderError('bad_response', 'Personio sent a next-page link without a cursor.', {
          details: { field: '_meta.links.next.href' },
        });
      }
    }
    return { items: body!._data, next };
  }
}

async function readV2<Schema extends z.ZodType>(
  response: UpstreamResponse,
  schema: Schema,
  options: { notFoundAsNull?: boolean },
): Promise<z.infer<Schema> | null> {
  const body = await readJson(response);
  if (response.status === 404 && options.notFoundAsNull) return null;
  if (!isOk(response)) throw v2UpstreamError(response.status, body, response.headers);
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw unreadableAnswer(response.status, parsed.error, 'a response');
  return parsed.data;
}

/** A v2 failure as v1's `provider_*` error, with problem+json's first detail and trace id (never the request). */
export function v2UpstreamError(status: number, body: unknown, headers: Headers): ProviderError {
  const base = upstreamError(status, body, headers);
  const problem = V2ProblemSchema.safeParse(body);
  const first = problem.success ? problem.data.errors?.[0] : undefined;
  return new ProviderError(base.kind, base.message, {
    details: {
      upstream_status: status,
      upstream_message: first?.detail ?? first?.title ?? null,
      upstream_trace_id: problem.success ? (problem.data.personio_trace_id ?? null) : null,
    },
    headers: base.headers,
  });
}

/** Did this error come from Personio refusing the credential a v2 token? */
export function isV2AccessRefused(error: unknown): boolean {
  return (
    error instanceof ProviderError &&
    error.kind === 'forbidden' &&
    (error.details as { stage?: unknown } | undefined)?.stage === 'v2_token_exchange'
  );
}
