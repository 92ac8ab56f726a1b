import { describe, expect, it } from 'vitest';
import { createPersonioSandbox, SANDBOX_CREDENTIALS } from '../../src/sandbox/personio';
import { bearer, getJson, tokenFor } from './sandbox-client';

describe('simulator fault switches', () => {
  it('draws 429s and 5xx at the configured rates, reproducibly from the seed', async () => {
    const statuses = async () => {
      const sandbox = createPersonioSandbox({
        faults: { rateLimitedRate: 0.2, serverErrorRate: 0.1, seed: 9 },
      });
      const token = await tokenFor(sandbox, SANDBOX_CREDENTIALS.full);
      const seen: number[] = [];
      for (let index = 0; index < 400; index++) {
        seen.push((await getJson(sandbox, '/company/employees?limit=1', bearer(token))).status);
      }
      return seen;
    };
    const first = await statuses();
    expect(await statuses()).toEqual(first);
    const share = (predicate: (status: number) => boolean) => first.filter(predicate).length / first.length;
    expect(share((status) => status === 429)).toBeGreaterThan(0.14);
    expect(share((status) => status === 429)).toBeLessThan(0.26);
    expect(share((status) => [502, 503, 504].includes(status))).toBeGreaterThan(0.05);
    expect(share((status) => status === 200)).toBeGreaterThan(0.6);
  });

  it('limits each credential like Personio, with rate-limit headers and Retry-After', async () => {
    const sandbox = createPersonioSandbox({ faults: { rateLimit: { perSecond: 1, burst: 3 } } });
    const token = await tokenFor(sandbox, SANDBOX_CREDENTIALS.full);
    const answers = [];
    for (let index = 0; index < 5; index++)
      answers.push(await getJson(sandbox, '/company/employees?limit=1', bearer(token)));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 429, 429]);
    expect(answers[0]!.headers.get('x-ratelimit-burst-capacity')).toBe('3');
    expect(answers[2]!.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(answers[3]!.headers.get('retry-after')).toBe('1');
    expect(answers[3]!.body).toEqual({ success: false, error: { code: 429, message: 'Too Many Requests' } });
    // Another credential has its own bucket.
    const other = await tokenFor(sandbox, SANDBOX_CREDENTIALS.limited);
    expect((await getJson(sandbox, '/company/employees?limit=1', bearer(other))).status).toBe(200);
  });

  it('sends malformed bodies, expires tokens mid-walk, and turns off with setFaults({})', async () => {
    const sandbox = createPersonioSandbox({ faults: { malformedRate: 1 } });
    let token = await tokenFor(sandbox, SANDBOX_CREDENTIALS.full);
    const malformed = await sandbox.fetch(
      new Request('http://sandbox.test/v1/company/employees', { headers: { authorization: bearer(token) } }),
    );
    expect(malformed.status).toBe(200);
    await expect(malformed.json()).rejects.toThrow();

    sandbox.setFaults({ expireTokensEvery: 3 });
    token = await tokenFor(sandbox, SANDBOX_CREDENTIALS.full);
    const statuses = [];
    for (let index = 0; index < 4; index++) {
      statuses.push((await getJson(sandbox, '/company/employees', bearer(token))).status);
    }
    // The third request is served, then every token is revoked.
    expect(statuses).toEqual([200, 200, 200, 401]);

    sandbox.setFaults({});
    token = await tokenFor(sandbox, SANDBOX_CREDENTIALS.full);
    expect((await getJson(sandbox, '/company/employees', bearer(token))).status).toBe(200);
  });

  it('honours the caller aborting a hung request', async () => {
    const sandbox = createPersonioSandbox({ faults: { timeoutRate: 1, hangMs: 5_000 } });
    const token = await tokenFor(sandbox, SANDBOX_CREDENTIALS.full);
    const request = new Request('http://sandbox.test/v1/company/employees', {
      headers: { authorization: bearer(token) },
      signal: AbortSignal.timeout(50),
    });
    await expect(sandbox.fetch(request)).rejects.toMatchObject({ name: 'TimeoutError' });
  });
});
