import { ProviderError } from '../errors';
import { ErrorResponseSchema } from './schemas';

/** Personio's error message from a v1 body, if it has one; never the request that caused it. */
export function upstreamMessage(body: unknown): string | null {
  const parsed = ErrorResponseSchema.safeParse(body);
  return parsed.success ? (parsed.data.error?.message ?? null) : null;
}

/** Maps an upstream failure to the gateway's `provider_*` codes with Personio's status and message in `details`. */
export function upstreamError(status: number, body: unknown, headers: Headers): ProviderError {
  const details = { upstream_status: status, upstream_message: upstreamMessage(body) };
  if (status === 401) {
    return new ProviderError('unauthorized', 'Personio rejected the credentials of this linked account.', {
      details,
    });
  }
  if (status === 403) {
    return new ProviderError(
      'forbidden',
      'The Personio credential of this linked account lacks the access rights for this request.',
      { details },
    );
  }
  if (status === 429) {
    const retryAfter = headers.get('retry-after');
    return new ProviderError('rate_limited', 'Personio rate-limited this linked account; retry later.', {
      details,
      headers: { 'Retry-After': retryAfter && /^\d+$/.test(retryAfter) ? retryAfter : '1' },
    });
  }
  if (status === 503)
    return new ProviderError('unavailable', 'Personio is temporarily unavailable.', { details });
  if (status === 504) return new ProviderError('timeout', 'Personio did not answer in time.', { details });
  return new ProviderError('bad_response', `Personio answered with HTTP ${status}.`, { details });
}
