import { describe, expect, it } from 'vitest';
import { MemoryCache } from '../../cache/memory';
import { base64url } from '../../crypto/encoding';
import { randomBytes } from '../../crypto/random';
import { createSecretBox } from '../../crypto/secret-box';
import { PersonioTokenManager, TOKEN_REREAD_MS } from './token-manager';

async function setup() {
  let now = 1_000_000;
  const cache = new MemoryCache(() => now);
  const box = await createSecretBox(base64url.encode(randomBytes(32)));
  let exchanges = 0;
  const exchange = async () => {
    exchanges++;
    await new Promise((resolve) => setTimeout(resolve, 20));
    return { token: `papi-${exchanges}`, expiresInSeconds: 86_400 };
  };
  return {
    cache,
    manager: () => new PersonioTokenManager(cache, box, () => now),
    exchange,
    exchanges: () => exchanges,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('PersonioTokenManager', () => {
  it('makes one exchange for many concurrent callers in two processes sharing a cache', async () => {
    const { manager, exchange, exchanges } = await setup();
    const [first, second] = [manager(), manager()];
    const tokens = await Promise.all(
      Array.from({ length: 40 }, (_, index) => (index % 2 ? first : second).getToken('la_1', exchange)),
    );
    expect(new Set(tokens)).toEqual(new Set(['papi-1']));
    expect(exchanges()).toBe(1);
  });

  it('keeps the token encrypted in the cache', async () => {
    const { cache, manager, exchange } = await setup();
    await manager().getToken('la_1', exchange);
    const stored = await cache.get('personio:token:la_1');
    expect(stored).toMatch(/^ey/);
    expect(stored).not.toContain('papi-');
  });

  it('refreshes five minutes before a 24 h token expires', async () => {
    const { manager, exchange, exchanges, advance } = await setup();
    const tokens = manager();
    await tokens.getToken('la_1', exchange);
    advance(86_400_000 - 301_000);
    expect(await tokens.getToken('la_1', exchange)).toBe('papi-1');
    advance(2_000);
    expect(await tokens.getToken('la_1', exchange)).toBe('papi-2');
    expect(exchanges()).toBe(2);
  });

  it('drops a rejected token but not one that another caller already replaced', async () => {
    const { manager, exchange, exchanges } = await setup();
    const tokens = manager();
    await tokens.getToken('la_1', exchange);
    await tokens.invalidate('la_1', 'papi-old');
    expect(await tokens.getToken('la_1', exchange)).toBe('papi-1');
    await tokens.invalidate('la_1', 'papi-1');
    expect(await tokens.getToken('la_1', exchange)).toBe('papi-2');
    expect(exchanges()).toBe(2);
  });

  it('reads the shared cache again after TOKEN_REREAD_MS, or at once after a refusal', async () => {
    const { manager, exchange, exchanges, advance } = await setup();
    const [first, second] = [manager(), manager()];
    expect(await first.getToken('la_1', exchange)).toBe('papi-1');
    // The other process is refused and replaces the token.
    await second.invalidate('la_1', 'papi-1');
    expect(await second.getToken('la_1', exchange)).toBe('papi-2');
    // This process keeps its recent read for a while…
    expect(await first.getToken('la_1', exchange)).toBe('papi-1');
    advance(TOKEN_REREAD_MS + 1);
    // …then reads the shared cache again,
    expect(await first.getToken('la_1', exchange)).toBe('papi-2');
    // and a refusal of its token makes it read again at once, without exchanging a third time.
    await second.invalidate('la_1', 'papi-2');
    expect(await second.getToken('la_1', exchange)).toBe('papi-3');
    await first.invalidate('la_1', 'papi-2');
    expect(await first.getToken('la_1', exchange)).toBe('papi-3');
    expect(exchanges()).toBe(3);
  });

  it('lets the next caller retry after a failed exchange', async () => {
    const { manager } = await setup();
    const tokens = manager();
    await expect(tokens.getToken('la_1', () => Promise.reject(new Error('refused')))).rejects.toThrow(
      'refused',
    );
    expect(await tokens.getToken('la_1', async () => ({ token: 'papi-ok', expiresInSeconds: 3600 }))).toBe(
      'papi-ok',
    );
  });
});
