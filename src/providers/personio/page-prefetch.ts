/**
 * Read-ahead for cursor walks. When a unified list call continues a walk (it came with a cursor) and more
 * follows, the upstream page(s) the next call will ask for are requested at once, while this call's records
 * are mapped and sent and the client asks for the next page; that call then takes the answer (or the request
 * still in flight) instead of starting it. A crawl then costs about `pages × upstream latency` whatever the
 * gateway's CPU per page.
 *
 * Read-ahead goes through the client like any call (token, rate budget, retries), so it spends the account's
 * budget, only earlier: a walk abandoned midway costs at most one page's upstream calls it did not use. First
 * pages (no cursor) never read ahead, so repeated first-page calls cost nothing extra. An answer not taken
 * within `PREFETCH_TTL_MS` is dropped, so a page is never older than that when served. A read-ahead that fails
 * is forgotten and the call asks again itself, so errors are always the call's own.
 */

/** How long a read-ahead answer may wait for the call that needs it. */
export const PREFETCH_TTL_MS = 5_000;
/** Read-aheads kept per client (linked account): one or two walks at a time is the common case. */
const MAX_PER_CLIENT = 16;

interface Entry {
  value: Promise<unknown>;
  expiresAt: number;
}

const byClient = new WeakMap<object, Map<string, Entry>>();

/**
 * Cloudflare Workers cannot carry a request's I/O over to another request, so a read-ahead started for one
 * call could never be taken by the next: there it is off.
 */
const enabled = !(typeof navigator !== 'undefined' && navigator.userAgent === 'Cloudflare-Workers');

/** Starts `load` now for a later `take(owner, key)`. */
export function prefetch(owner: object, key: string, load: () => Promise<unknown>): void {
  if (!enabled) return;
  let entries = byClient.get(owner);
  if (!entries) {
    entries = new Map();
    byClient.set(owner, entries);
  }
  if (entries.has(key)) return;
  if (entries.size >= MAX_PER_CLIENT) {
    const oldest = entries.keys().next();
    if (!oldest.done) entries.delete(oldest.value);
  }
  const value = load();
  // Never an unhandled rejection: a failed read-ahead is simply not used.
  value.catch(() => {});
  entries.set(key, { value, expiresAt: Date.now() + PREFETCH_TTL_MS });
}

/** The read-ahead answer for `key` (removed: each is used once), or what `load` returns when there is none. */
export async function takeOr<Value>(owner: object, key: string, load: () => Promise<Value>): Promise<Value> {
  const entries = byClient.get(owner);
  const entry = entries?.get(key);
  if (entry) {
    entries!.delete(key);
    if (entry.expiresAt > Date.now()) {
      try {
        return (await entry.value) as Value;
      } catch {
        // Failed ahead of time (a budget spent then, a timeout): the call asks again below.
      }
    }
  }
  return load();
}
