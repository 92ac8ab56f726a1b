import { ApiError } from '../../errors';
import { ErrorResponseSchema } from './schemas';

/** Personio's error message from a v1 body, if it has one; never the request that caused it. */
export function upstreamMessage(body: unknown): string | null {
  const parsed = ErrorResponseSchema.safeParse(body);
  return parsed.success ? (parsed.data.error?.message ?? null) : null;
}

/** Maps an upstream failure to the gateway's `provider_*` codes with Personio's status and message in `details`. */
export function upstreamError(status: number, body: unknown, headers: Headers): ApiError {
  const details = { upstream_status: status, upstream_message: upstreamMessage(body) };
  if (status === 401) {
    return new ApiError(
      'provider_unauthorized',
      'Personio rejected the credentials of this linked account.',
      {
        details,
      },
    );
  }
  if (status === 403) {
    return new ApiError(
      'provider_forbidden',
      'The Personio credential of this linked account lacks the access rights for this request.',
      { details },
    );
  }
  if (status === 429) {
    const retryAfter = headers.get('retry-after');
    return new ApiError('rate_limited', 'Personio rate-limited this linked account; retry later.', {
      details,
      headers: { 'Retry-After': retryAfter && /^\d+$/.test(retryAfter) ? retryAfter : '1' },
    });
  }
  if (status === 503)
    return new ApiError('provider_unavailable', 'Personio is temporarily unavailable.', { details });
  if (status === 504)
    return new ApiError('provider_timeout', 'Personio did not answer in time.', { details });
  return new ApiError('provider_error', `Personio answered with HTTP ${status}.`, { details });
}
