import { hashApiKey } from '../crypto/api-keys';
import type { Database } from '../db/client';
import { findActiveApiKeyByHash } from '../db/queries/api-keys';
import { getFieldMappings } from '../db/queries/field-mappings';
import { getLinkedAccount } from '../db/queries/linked-accounts';
import type { ApiKey, Environment, LinkedAccount, StoredFieldMapping } from '../db/schema';
import { TtlCache } from '../lib/ttl-cache';

const MAX_ENTRIES = 10_000;
/** `last_used_at` is written at most once per minute per key or account, by each process. */
export const TOUCH_GRANULARITY_MS = 60_000;
/** How long a key found valid passes an address's spent budget of wrong keys. */
const KNOWN_VALID_TTL_MS = 15 * 60_000;

export interface ApiKeyLookup {
  apiKey: ApiKey;
  environment: Environment;
}

/**
 * The two lookups every authenticated request makes (API key → environment, linked account), kept
 * in this process for `ttlMs` (AUTH_CACHE_TTL_MS) so a busy key does not cost two queries a call.
 *
 * The price is bounded staleness: a key revoked, or a linked account disabled, deleted or linked
 * again in another process (the admin CLI, another gateway) is honoured here within `ttlMs`.
 * Writes made by this process call `forgetLinkedAccount`, so they take effect at once. Entries are
 * keyed by the presented key itself, which never leaves process memory; the database keeps only its hash.
 *
 * A key found unknown (or revoked) is remembered as such for the same `ttlMs`, so repeating it costs
 * no query. That cannot hold up a new key: keys are random (190 bits), so a new key is remembered as
 * unknown only if its exact value was presented before it was created, and then for `ttlMs` at most.
 */
export class RequestLookups {
  private readonly apiKeys: TtlCache<string, ApiKeyLookup>;
  private readonly unknownApiKeys: TtlCache<string, true>;
  private readonly linkedAccounts: TtlCache<string, LinkedAccount>;
  private readonly touched: TtlCache<string, true>;
  /** Field mappings by `environment/scope`, so reads served from caches need no query for them either. */
  private readonly fieldMappings: TtlCache<
    string,
    { defaults: StoredFieldMapping[]; overrides: StoredFieldMapping[] }
  >;
  /** Keys this process found valid lately: they pass an address's spent budget of wrong keys. */
  private readonly knownValidApiKeys: TtlCache<string, true>;

  constructor(
    private readonly db: Database,
    options: { ttlMs: number; now?: () => number },
  ) {
    const settings = { ttlMs: options.ttlMs, maxEntries: MAX_ENTRIES, now: options.now };
    this.apiKeys = new TtlCache(settings);
    this.unknownApiKeys = new TtlCache(settings);
    this.linkedAccounts = new TtlCache(settings);
    this.fieldMappings = new TtlCache(settings);
    this.touched = new TtlCache({ ...settings, ttlMs: TOUCH_GRANULARITY_MS });
    this.knownValidApiKeys = new TtlCache({ ...settings, ttlMs: KNOWN_VALID_TTL_MS });
  }

  /** The active key and its environment; undefined when unknown or revoked. */
  async apiKey(presented: string): Promise<ApiKeyLookup | undefined> {
    if (this.unknownApiKeys.get(presented)) return undefined;
    const found = await this.apiKeys.getOrLoad(presented, async () =>
      findActiveApiKeyByHash(this.db, await hashApiKey(presented)),
    );
    if (!found) this.unknownApiKeys.set(presented, true);
    else this.knownValidApiKeys.set(presented, true);
    return found;
  }

  /**
   * Whether this process found the key valid within the last `KNOWN_VALID_TTL_MS`. Clients behind one
   * address (a NAT, a proxy without CLIENT_IP_HEADER) keep working while someone there sends wrong keys;
   * such a key is still looked up (and may turn out revoked), it just is not refused before the lookup.
   */
  recentlyValidApiKey(presented: string): boolean {
    return this.knownValidApiKeys.get(presented) === true;
  }

  /** What `apiKey` answers without a query, when it can: the key, `null` (known unknown), or undefined. */
  cachedApiKey(presented: string): ApiKeyLookup | null | undefined {
    if (this.unknownApiKeys.get(presented)) return null;
    return this.apiKeys.get(presented);
  }

  /** A live linked account of this environment; undefined when unknown, deleted or of another environment. */
  async linkedAccount(environmentId: string, id: string): Promise<LinkedAccount | undefined> {
    return this.linkedAccounts.getOrLoad(`${environmentId}/${id}`, () =>
      getLinkedAccount(this.db, { environmentId, id }),
    );
  }

  /** The environment's field mappings and the account's, as stored. */
  async accountFieldMappings(
    environmentId: string,
    linkedAccountId: string,
  ): Promise<{ defaults: StoredFieldMapping[]; overrides: StoredFieldMapping[] }> {
    const loaded = await this.fieldMappings.getOrLoad(`${environmentId}/${linkedAccountId}`, async () => {
      const rows = await getFieldMappings(this.db, { environmentId, linkedAccountId });
      return { defaults: rows.defaults?.mappings ?? [], overrides: rows.overrides?.mappings ?? [] };
    });
    return loaded ?? { defaults: [], overrides: [] };
  }

  /** After this process changed field mappings: one account's, or (environment defaults) every entry. */
  forgetFieldMappings(environmentId: string, linkedAccountId?: string): void {
    if (linkedAccountId) this.fieldMappings.delete(`${environmentId}/${linkedAccountId}`);
    else this.fieldMappings.clear();
  }

  /** After this process changed a linked account (status, credentials, deletion). */
  forgetLinkedAccount(environmentId: string, id: string): void {
    this.linkedAccounts.delete(`${environmentId}/${id}`);
  }

  /**
   * Whether `last_used_at` of this record is due a write: more than a minute old, and not written
   * by this process within the minute (the cached row does not see its own updates).
   */
  shouldTouch(record: string, lastUsedAt: Date | null, now: Date): boolean {
    if (lastUsedAt && now.getTime() - lastUsedAt.getTime() <= TOUCH_GRANULARITY_MS) return false;
    if (this.touched.get(record)) return false;
    this.touched.set(record, true);
    return true;
  }
}
