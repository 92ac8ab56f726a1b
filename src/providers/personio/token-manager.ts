import type { Cache } from '../../cache/types';
import { randomBase62 } from '../../crypto/random';
import type { SecretBox } from '../../crypto/secret-box';
import { sleep } from '../../lib/sleep';
import { TtlCache } from '../../lib/ttl-cache';

export interface IssuedToken {
  token: string;
  expiresInSeconds: number;
  /** The scopes granted, space-separated, where the exchange says (Personio v2). */
  scope?: string | null;
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

const LOCK_TTL_MS = 15_000;
const LOCK_POLL_MS = 25;
const CACHE_PURPOSE = 'personio-token';
/** Decrypted copies of sealed cache entries, so a call does not decrypt the same token again. */
const OPENED_TTL_MS = 10 * 60_000;
const MAX_OPENED = 10_000;
/**
 * How long a process uses a token it read from the shared cache before reading it again. A token
 * another process replaced in the meantime is refused by Personio at worst once (401), and that
 * refusal makes this process read the shared cache again.
 */
export const TOKEN_REREAD_MS = 5_000;

/**
 * One Personio token exchange per linked account per token lifetime, shared by every process:
 * the token lives encrypted in the shared cache; concurrent callers in this process share one
 * promise, and processes elect one exchanger through a lock in the cache while the others wait
 * for its result. Tokens are replaced shortly before they expire.
 */
export class PersonioTokenManager {
  private readonly inflight = new Map<string, Promise<string>>();
  /**
   * The shared cache stays the source of truth (it is read on every call, so another process's
   * invalidation is seen at once); only the decryption of an unchanged entry is skipped.
   */
  private readonly opened = new TtlCache<string, { sealed: string; token: CachedToken }>({
    ttlMs: OPENED_TTL_MS,
    maxEntries: MAX_OPENED,
  });

  /** Tokens this process read or wrote recently: the shared cache is read at most every `TOKEN_REREAD_MS`. */
  private readonly recent: TtlCache<string, CachedToken>;

  constructor(
    private readonly cache: Cache,
    private readonly secretBox: SecretBox,
    private readonly now: () => number = Date.now,
  ) {
    this.recent = new TtlCache({ ttlMs: TOKEN_REREAD_MS, maxEntries: MAX_OPENED, now });
  }

  async getToken(accountKey: string, exchange: () => Promise<IssuedToken>): Promise<string> {
    const recent = this.recent.get(accountKey);
    if (recent && recent.expiresAt > this.now()) return recent.token;
    const cached = await this.read(accountKey);
    if (cached) {
      this.recent.set(accountKey, cached);
      return cached.token;
    }
    let pending = this.inflight.get(accountKey);
    if (!pending) {
      pending = this.acquire(accountKey, exchange).finally(() => this.inflight.delete(accountKey));
      this.inflight.set(accountKey, pending);
    }
    return pending;
  }

  /** Drops the cached token after Personio refused it, unless another caller has already replaced it. */
  async invalidate(accountKey: string, rejectedToken: string): Promise<void> {
    this.recent.delete(accountKey);
    const cached = await this.read(accountKey);
    if (!cached || cached.token === rejectedToken) await this.cache.delete(tokenKey(accountKey));
  }

  async forget(accountKey: string): Promise<void> {
    this.recent.delete(accountKey);
    await this.cache.delete(tokenKey(accountKey));
  }

  private async acquire(accountKey: string, exchange: () => Promise<IssuedToken>): Promise<string> {
    const lockKey = `personio:token-lock:${accountKey}`;
    const owner = randomBase62(16);
    for (;;) {
      const cached = await this.read(accountKey);
      if (cached) return cached.token;
      if (await this.cache.setIfAbsent(lockKey, owner, LOCK_TTL_MS)) {
        try {
          const again = await this.read(accountKey);
          if (again) return again.token;
          const issued = await exchange();
          await this.write(accountKey, issued);
          return issued.token;
        } finally {
          await this.cache.deleteIfEquals(lockKey, owner);
        }
      }
      // Another process is exchanging; its token appears in the cache, or its lock expires.
      await sleep(LOCK_POLL_MS);
    }
  }

  private async read(accountKey: string): Promise<CachedToken | null> {
    const stored = await this.cache.get(tokenKey(accountKey));
    if (!stored) return null;
    try {
      const opened = this.opened.get(accountKey);
      let cached = opened?.sealed === stored ? opened.token : null;
      if (!cached) {
        cached = JSON.parse(await this.secretBox.decrypt(stored, CACHE_PURPOSE)) as CachedToken;
        this.opened.set(accountKey, { sealed: stored, token: cached });
      }
      return cached.expiresAt > this.now() ? cached : null;
    } catch {
      // Written with a key this process no longer has, or corrupted: exchange a new one.
      return null;
    }
  }

  private async write(accountKey: string, issued: IssuedToken): Promise<void> {
    const lifetimeMs = issued.expiresInSeconds * 1000;
    // Refresh before expiry: 5 minutes early for Personio's 24 h tokens, 10 % early for short ones.
    const usableMs = lifetimeMs - Math.min(300_000, lifetimeMs * 0.1);
    if (usableMs < 1000) return;
    const cached: CachedToken = { token: issued.token, expiresAt: this.now() + usableMs };
    const sealed = await this.secretBox.encrypt(JSON.stringify(cached), CACHE_PURPOSE);
    await this.cache.set(tokenKey(accountKey), sealed, usableMs);
    this.recent.set(accountKey, cached);
  }
}

function tokenKey(accountKey: string): string {
  return `personio:token:${accountKey}`;
}
