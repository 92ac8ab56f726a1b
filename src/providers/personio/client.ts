import type { z } from 'zod';
import { ApiError } from '../../errors';
import type { FetchLike } from '../types';
import { upstreamError, upstreamMessage } from './errors';
import { AuthResponseSchema } from './schemas';
import type { IssuedToken, PersonioTokenManager } from './token-manager';

export interface PersonioCredentials {
  clientId: string;
  clientSecret: string;
}

export interface PersonioClientOptions {
  /** e.g. `https://api.personio.de/v1` */
  baseUrl: string;
  fetch: FetchLike;
  credentials: PersonioCredentials;
  tokens: PersonioTokenManager;
  /** Names this credential in the token cache (linked account id plus a credential version). */
  accountKey: string;
  partnerId?: string | undefined;
  appId: string;
  timeoutMs: number;
}

const DEFAULT_TOKEN_LIFETIME_SECONDS = 86_400;

export interface PersonioRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Relative to the v1 base URL, e.g. `/company/time-offs`. */
  path: string;
  /** Repeatable keys are repeated entries (`['employees[]', '1'], ['employees[]', '2']`). */
  query?: [string, string][];
  body?: { json: unknown } | { form: [string, string][] };
}

/** Personio v1 over HTTP: token handling, the `X-Personio-*` headers, and errors mapped to `provider_*`. */
export class PersonioClient {
  constructor(private readonly options: PersonioClientOptions) {}

  /** GET a v1 resource and validate the body; `query` values may repeat (`employees[]`). */
  get<Schema extends z.ZodType>(
    path: string,
    query: [string, string][],
    schema: Schema,
    options: { notFoundAsNull?: boolean } = {},
  ): Promise<z.infer<Schema> | null> {
    return this.json({ method: 'GET', path, query }, schema, options);
  }

  /**
   * Sends one v1 request with the linked account's token and validates the JSON answer.
   * A 401 means the token was revoked or expired early: exchange once more and send again, once.
   */
  async json<Schema extends z.ZodType>(
    request: PersonioRequest,
    schema: Schema,
    options: { notFoundAsNull?: boolean } = {},
  ): Promise<z.infer<Schema> | null> {
    const url = new URL(this.options.baseUrl + request.path);
    for (const [key, value] of request.query ?? []) url.searchParams.append(key, value);
    const init = (token: string): RequestInit => {
      const headers = this.headers(token);
      if (!request.body) return { method: request.method, headers };
      if ('json' in request.body) {
        return {
          method: request.method,
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify(request.body.json),
        };
      }
      return {
        method: request.method,
        headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(request.body.form).toString(),
      };
    };
    let token = await this.token();
    let response = await this.send(url, init(token));
    if (response.status === 401) {
      await response.body?.cancel();
      await this.options.tokens.invalidate(this.options.accountKey, token);
      token = await this.token();
      response = await this.send(url, init(token));
    }
    const body = await readJson(response);
    if (response.status === 404 && options.notFoundAsNull) return null;
    if (!response.ok) throw upstreamError(response.status, body, response.headers);
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      throw new ApiError('provider_error', 'Personio sent a response the gateway does not understand.', {
        details: {
          upstream_status: response.status,
          issues: parsed.error.issues
            .slice(0, 5)
            .map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
        },
      });
    }
    return parsed.data;
  }

  /** POST /auth with the credentials in the body (query-string credentials are deprecated by Personio). */
  async exchangeToken(): Promise<IssuedToken> {
    const response = await this.send(new URL(`${this.options.baseUrl}/auth`), {
      method: 'POST',
      headers: { ...this.identityHeaders(), 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        client_id: this.options.credentials.clientId,
        client_secret: this.options.credentials.clientSecret,
      }),
    });
    const body = await readJson(response);
    if (response.status === 400 || response.status === 401 || response.status === 403) {
      throw new ApiError(
        'provider_unauthorized',
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
    if (!response.ok) throw upstreamError(response.status, body, response.headers);
    const parsed = AuthResponseSchema.safeParse(body);
    if (!parsed.success) {
      throw new ApiError('provider_error', 'Personio sent an authentication response without a token.', {
        details: { upstream_status: response.status },
      });
    }
    return {
      token: parsed.data.data.token,
      expiresInSeconds: parsed.data.data.expires_in ?? DEFAULT_TOKEN_LIFETIME_SECONDS,
    };
  }

  private token(): Promise<string> {
    return this.options.tokens.getToken(this.options.accountKey, () => this.exchangeToken());
  }

  private identityHeaders(): Record<string, string> {
    const headers: Record<string, string> = { 'X-Personio-App-ID': this.options.appId };
    if (this.options.partnerId) headers['X-Personio-Partner-ID'] = this.options.partnerId;
    return headers;
  }

  private headers(token: string): Record<string, string> {
    return { ...this.identityHeaders(), authorization: `Bearer ${token}`, accept: 'application/json' };
  }

  private async send(url: URL, init: RequestInit): Promise<Response> {
    try {
      return await this.options.fetch(
        new Request(url, { ...init, signal: AbortSignal.timeout(this.options.timeoutMs) }),
      );
    } catch (error) {
      if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
        throw new ApiError(
          'provider_timeout',
          `Personio did not answer within ${this.options.timeoutMs} ms.`,
        );
      }
      throw new ApiError('provider_unavailable', 'Personio could not be reached.', {
        details: { reason: error instanceof Error ? error.message : String(error) },
      });
    }
  }
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    if (!response.ok) return null;
    throw new ApiError('provider_error', 'Personio sent a body that is not JSON.', {
      details: { upstream_status: response.status },
    });
  }
}
