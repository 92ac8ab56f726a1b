import { ApiError, type ErrorCode } from '../errors';

/**
 * What went wrong with a provider, in terms every provider shares. Providers throw `ProviderError`s with
 * a kind; which API error code (and so HTTP status) each kind is decided here, in one place.
 */
export const PROVIDER_ERROR_KINDS = {
  /** The provider refused the stored credentials themselves (token exchange): the account needs re-linking. */
  credentials_rejected: 'provider_unauthorized',
  /** A call was refused as unauthenticated although the credentials were accepted before. */
  unauthorized: 'provider_unauthorized',
  /** The credentials lack a right (scope, whitelisted field) this request needs. */
  forbidden: 'provider_forbidden',
  /** The provider has no such record. */
  not_found: 'not_found',
  /** The provider, or the gateway's budget for it, is rate-limiting this account. */
  rate_limited: 'rate_limited',
  /** The provider could not be reached or said it is unavailable. */
  unavailable: 'provider_unavailable',
  /** The provider did not answer in time. */
  timeout: 'provider_timeout',
  /** The provider answered with an error or a body the gateway cannot read. */
  bad_response: 'provider_error',
  /** The provider understood the request and refused it for a reason the caller can act on (an overlap…). */
  refused: 'unprocessable',
  /** The caller's input cannot be sent to this provider (a cursor or id it cannot have issued). */
  invalid_input: 'invalid_request',
  /** The provider does not offer this unified operation (see its capabilities). */
  unsupported: 'unprocessable',
  /** This deployment does not serve the account's integration (the sandbox when it is off). */
  not_served: 'unprocessable',
} as const satisfies Record<string, ErrorCode>;

export type ProviderErrorKind = keyof typeof PROVIDER_ERROR_KINDS;

/**
 * A typed provider outcome. It is an `ApiError` whose code follows from its kind, so the error envelope,
 * `Retry-After` and OpenAPI stay as they are; generic code decides by `kind`, never by message or details.
 */
export class ProviderError extends ApiError {
  readonly kind: ProviderErrorKind;

  constructor(
    kind: ProviderErrorKind,
    message: string,
    options: { details?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(PROVIDER_ERROR_KINDS[kind], message, options);
    this.name = 'ProviderError';
    this.kind = kind;
  }
}

/** True when the provider refused the credentials themselves (not a transient failure or a missing right). */
export function isCredentialsRejected(error: unknown): error is ProviderError {
  return error instanceof ProviderError && error.kind === 'credentials_rejected';
}
