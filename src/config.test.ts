import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config';

const KEY = 'q5Qm9Lr0s2Xk7yTtBqf1Hn3VZ8cWd4Ue6JpAa0Gx_Ys';

function problems(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('parseConfig', () => {
  it('defaults to embedded mode on 127.0.0.1:8080 with the sandbox on', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      publicUrl: 'http://127.0.0.1:8080',
      embedded: true,
      sandbox: { enabled: true },
      upstream: { timeoutMs: 15_000, maxAttempts: 6, rateLimit: { perSecond: 5, burst: 10 } },
      providers: { personio: { baseUrl: 'https://api.personio.de/v1', appId: 'ROSTER' } },
    });
  });

  it("reads generic upstream settings as UPSTREAM_* and its providers' own settings from their definitions", () => {
    const config = parseConfig({
      UPSTREAM_RATE_LIMIT_PER_SECOND: '2',
      UPSTREAM_RATE_LIMIT_BURST: '4',
      UPSTREAM_TIMEOUT_MS: '500',
      UPSTREAM_RETRY_BUDGET_MS: '1000',
      UPSTREAM_MAX_ATTEMPTS: '2',
      PERSONIO_BASE_URL: 'http://personio.test/v1/',
    });
    expect(config.upstream).toEqual({
      timeoutMs: 500,
      retryBudgetMs: 1000,
      maxAttempts: 2,
      rateLimit: { perSecond: 2, burst: 4 },
    });
    expect(config.providers.personio).toMatchObject({ baseUrl: 'http://personio.test/v1' });
  });

  it('refuses a renamed setting with its new name instead of ignoring it', () => {
    expect(problems({ PERSONIO_RATE_LIMIT_BURST: '3', PERSONIO_TIMEOUT_MS: '100' })).toEqual([
      'PERSONIO_TIMEOUT_MS: was renamed to UPSTREAM_TIMEOUT_MS',
      'PERSONIO_RATE_LIMIT_BURST: was renamed to UPSTREAM_RATE_LIMIT_BURST',
    ]);
  });

  it('requires ENCRYPTION_KEY with DATABASE_URL and turns the sandbox off there', () => {
    expect(problems({ DATABASE_URL: 'postgres://x@localhost/db' })).toEqual([
      expect.stringMatching(/^ENCRYPTION_KEY: is required when DATABASE_URL is set/),
    ]);
    const config = parseConfig({ DATABASE_URL: 'postgres://x@localhost/db', ENCRYPTION_KEY: KEY });
    expect(config.embedded).toBe(false);
    expect(config.sandbox.enabled).toBe(false);
  });

  it('names every bad variable', () => {
    const found = problems({
      PORT: 'eighty',
      DATABASE_URL: 'mysql://nope',
      ENCRYPTION_KEY: 'short',
      PERSONIO_BASE_URL: 'ftp://x',
      PERSONIO_APP_ID: 'my app',
      SANDBOX: 'perhaps',
    });
    for (const variable of [
      'PORT',
      'DATABASE_URL',
      'ENCRYPTION_KEY',
      'PERSONIO_BASE_URL',
      'PERSONIO_APP_ID',
      'SANDBOX',
    ]) {
      expect(
        found.some((problem) => problem.startsWith(`${variable}:`)),
        variable,
      ).toBe(true);
    }
  });

  it('webhook targets: loopback when embedded, public in production, and a bad value names the variable', () => {
    expect(parseConfig({}).webhooks.targets).toBe('loopback');
    const production = { DATABASE_URL: 'postgres://db/roster', ENCRYPTION_KEY: 'a'.repeat(43) };
    expect(parseConfig(production).webhooks.targets).toBe('public');
    expect(parseConfig({ ...production, WEBHOOK_TARGETS: 'private' }).webhooks.targets).toBe('private');
    expect(() => parseConfig({ WEBHOOK_TARGETS: 'everywhere' })).toThrow(/WEBHOOK_TARGETS/);
    expect(() => parseConfig({ WEBHOOK_TIMEOUT_MS: '5' })).toThrow(/WEBHOOK_TIMEOUT_MS/);
  });

  it('keeps events at least two days, longer than webhook retries run', () => {
    expect(() => parseConfig({ EVENT_RETENTION_DAYS: '1' })).toThrow(/EVENT_RETENTION_DAYS/);
    expect(parseConfig({ EVENT_RETENTION_DAYS: '2' }).sync.eventRetentionDays).toBe(2);
  });

  it('treats empty variables as unset', () => {
    expect(parseConfig({ DATABASE_URL: '', REDIS_URL: '' }).embedded).toBe(true);
  });
});
