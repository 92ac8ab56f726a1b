import { describe, expect, it } from 'vitest';
import { MemoryCache } from '../../cache/memory';
import { base64url } from '../../crypto/encoding';
import { randomBytes } from '../../crypto/random';
import { createSecretBox } from '../../crypto/secret-box';
import { ApiError } from '../../errors';
import { fetchTransport } from '../http';
import { PersonioClient } from './client';
import { backoffDelay, RateBudget, type RetryPolicy, retryAfterMs } from './resilience';
import { PersonioTokenManager } from './token-manager';

const POLICY: RetryPolicy = {
  attemptTimeoutMs: 200,
  budgetMs: 2_000,
  maxAttempts: 4,
  baseDelayMs: 5,
  maxDelayMs: 20,
};

type Step = number | { status: number; headers?: Record<string, string> } | 'hang';

/** A Personio stand-in answering resource calls from a script of statuses; /auth always works. */
async function scriptedClient(
  script: Step[],
  options: { policy?: Partial<RetryPolicy>; rateBudget?: RateBudget } = {},
) {
  const calls: string[] = [];
  const fetch = async (request: Request): Promise<Response> => {
    const path = new URL(request.url).pathname;
    if (path.endsWith('/auth'))
      return Response.json({ success: true, data: { token: 'papi-t', expires_in: 3600 } });
    calls.push(`${request.method} ${path}`);
    const step = script.shift() ?? 200;
    if (step === 'hang') {
      return new Promise((_, reject) =>
        request.signal.addEventListener('abort', () => reject(new DOMException('timed out', 'TimeoutError'))),
      );
    }
    const { status, headers } = typeof step === 'number' ? { status: step, headers: {} } : step;
    return Response.json(
      status === 200
        ? { success: true, data: [] }
        : { success: false, error: { code: status, message: 'no' } },
      {
        status,
        headers,
      },
    );
  };
  const box = await createSecretBox(base64url.encode(randomBytes(32)));
  const client = new PersonioClient({
    baseUrl: 'https://personio.test/v1',
    transport: fetchTransport(fetch),
    credentials: { clientId: 'id', clientSecret: 'secret' },
    tokens: new PersonioTokenManager(new MemoryCache(), box),
    accountKey: 'la_1',
    appId: 'ROSTER',
    retry: { ...POLICY, ...options.policy },
    rateBudget: options.rateBudget,
  });
  return { client, calls };
}

const anyBody = { safeParse: (value: unknown) => ({ success: true as const, data: value }) } as never;

describe('PersonioClient resilience', () => {
  it('retries reads on 429, 502, 503 and 504 until one succeeds', async () => {
    const { client, calls } = await scriptedClient([429, 502, 503, 200]);
    await expect(client.get('/company/employees', [], anyBody)).resolves.toEqual({ success: true, data: [] });
    expect(calls).toHaveLength(4);
  });

  it('does not retry a 500 or a 4xx', async () => {
    for (const status of [500, 400, 404, 422]) {
      const { client, calls } = await scriptedClient([status]);
      await expect(client.get('/company/employees', [], anyBody)).rejects.toBeInstanceOf(ApiError);
      expect(calls).toHaveLength(1);
    }
  });

  it('does not retry a write unless told it is idempotent', async () => {
    const plain = await scriptedClient([503, 200]);
    await expect(
      plain.client.json({ method: 'POST', path: '/company/time-offs', body: { json: {} } }, anyBody),
    ).rejects.toMatchObject({ code: 'provider_unavailable' });
    expect(plain.calls).toHaveLength(1);
    const keyed = await scriptedClient([503, 200]);
    await keyed.client.json(
      { method: 'POST', path: '/company/time-offs', body: { json: {} }, retry: true },
      anyBody,
    );
    expect(keyed.calls).toHaveLength(2);
  });

  it('gives up after maxAttempts and maps the last answer', async () => {
    const { client, calls } = await scriptedClient([429, 429, 429, 429, 429]);
    const error = (await client.get('/company/employees', [], anyBody).catch((caught) => caught)) as ApiError;
    expect(error.code).toBe('rate_limited');
    expect(error.headers['Retry-After']).toBe('1');
    expect(calls).toHaveLength(4);
  });

  it('honours Retry-After, and stops when it lies beyond the time budget', async () => {
    const { client, calls } = await scriptedClient([{ status: 429, headers: { 'retry-after': '60' } }, 200]);
    const error = (await client.get('/company/employees', [], anyBody).catch((caught) => caught)) as ApiError;
    expect(error.code).toBe('rate_limited');
    expect(error.headers['Retry-After']).toBe('60');
    expect(calls).toHaveLength(1);
  });

  it('retries a read that times out, and reports a timeout when every attempt does', async () => {
    const once = await scriptedClient(['hang', 200], { policy: { attemptTimeoutMs: 30 } });
    await expect(once.client.get('/company/employees', [], anyBody)).resolves.toBeTruthy();
    expect(once.calls).toHaveLength(2);
    const always = await scriptedClient(['hang', 'hang', 'hang', 'hang'], {
      policy: { attemptTimeoutMs: 30 },
    });
    await expect(always.client.get('/company/employees', [], anyBody)).rejects.toMatchObject({
      code: 'provider_timeout',
    });
  });

  it('answers rate_limited without calling Personio when the account budget cannot serve in time', async () => {
    const budget = new RateBudget(new MemoryCache(), 1, 2);
    const { client, calls } = await scriptedClient([], { rateBudget: budget, policy: { budgetMs: 300 } });
    await client.get('/company/employees', [], anyBody);
    const error = (await client.get('/company/employees', [], anyBody).catch((caught) => caught)) as ApiError;
    expect(error.code).toBe('rate_limited');
    expect(Number(error.headers['Retry-After'])).toBeGreaterThanOrEqual(1);
    // The token exchange and the first call used the budget; the refused call never went out.
    expect(calls).toHaveLength(1);
  });
});

describe('backoff and Retry-After', () => {
  it('draws full jitter under an exponential cap', () => {
    const policy = { ...POLICY, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(0, policy, () => 0.999)).toBe(100);
    expect(backoffDelay(3, policy, () => 0.999)).toBe(799);
    expect(backoffDelay(10, policy, () => 0.999)).toBe(999);
    expect(backoffDelay(10, policy, () => 0)).toBe(0);
  });

  it('reads seconds and HTTP dates', () => {
    expect(retryAfterMs(new Headers({ 'retry-after': '2' }))).toBe(2000);
    expect(retryAfterMs(new Headers({ 'retry-after': new Date(10_000).toUTCString() }), 4_000)).toBe(6_000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }))).toBeNull();
    expect(retryAfterMs(new Headers())).toBeNull();
  });
});
