import { z } from 'zod';
import type { Cache } from '../cache/types';
import type { Config } from '../config';
import { sha256Hex } from '../crypto/encoding';
import type { SecretBox } from '../crypto/secret-box';
import type { LinkedAccount } from '../db/schema';
import { ApiError } from '../errors';
import { TtlCache } from '../lib/ttl-cache';
import { fetchTransport, type HttpTransport } from './http';
import { PersonioClient, type PersonioCredentials } from './personio/client';
import { createPersonioProvider } from './personio/provider';
import { type BudgetPriority, RateBudget, type RetryPolicy } from './personio/resilience';
import type { PersonioTokenManager } from './personio/token-manager';
import { PersonioV2Client, V2_TOKEN_KEY_SUFFIX } from './personio/v2/client';
import { createPersonioV2Provider, usesPersonioV2 } from './personio/v2/provider';
import type { FetchLike, HrisProvider } from './types';

export const CREDENTIALS_PURPOSE = 'personio-credentials';

const StoredCredentialsSchema = z.object({ client_id: z.string(), client_secret: z.string() });

/**
 * Clients are kept per linked account and stored ciphertext, so a call does not decrypt and hash
 * the credentials again; linking again writes a new ciphertext (new IV), so it can never meet an old
 * client. The time limit only bounds how long decrypted credentials stay in memory unused.
 */
const CLIENT_TTL_MS = 10 * 60_000;
const MAX_CLIENTS = 10_000;

export interface ProviderFactoryDeps {
  config: Config;
  cache: Cache;
  secretBox: SecretBox;
  tokens: PersonioTokenManager;
  transport: HttpTransport;
  /** The built-in simulator, when this deployment serves `personio-sandbox` accounts. */
  sandbox?: { baseUrl: string; fetch: FetchLike } | undefined;
}

export async function encryptCredentials(secretBox: SecretBox, credentials: PersonioCredentials) {
  const sealed = await secretBox.encrypt(
    JSON.stringify({ client_id: credentials.clientId, client_secret: credentials.clientSecret }),
    CREDENTIALS_PURPOSE,
  );
  return { encryptedCredentials: sealed, credentialsKeyId: secretBox.currentKeyId };
}

export async function decryptCredentials(secretBox: SecretBox, sealed: string): Promise<PersonioCredentials> {
  const stored = StoredCredentialsSchema.parse(
    JSON.parse(await secretBox.decrypt(sealed, CREDENTIALS_PURPOSE)),
  );
  return { clientId: stored.client_id, clientSecret: stored.client_secret };
}

/**
 * The token-cache key of a linked account's current credentials. It names the credential version
 * too, so new credentials (a reconnect) never reuse the token of the old ones.
 */
export async function linkedAccountTokenKey(
  linkedAccount: Pick<LinkedAccount, 'id'> & { credentials: string },
): Promise<string> {
  return `${linkedAccount.id}:${(await sha256Hex(linkedAccount.credentials)).slice(0, 16)}`;
}

/** Drops the cached Personio token of a linked account's current credentials (delete, reconnect, rejection). */
export async function forgetLinkedAccountToken(
  tokens: PersonioTokenManager,
  linkedAccount: Pick<LinkedAccount, 'id' | 'credentials'>,
): Promise<void> {
  if (!linkedAccount.credentials) return;
  const key = await linkedAccountTokenKey({ id: linkedAccount.id, credentials: linkedAccount.credentials });
  await tokens.forget(key);
  await tokens.forget(`${key}${V2_TOKEN_KEY_SUFFIX}`);
}

/** Builds the Personio client for one linked account: decrypts its credentials and picks the upstream. */
export class ProviderFactory {
  private readonly retry: RetryPolicy;
  private readonly rateBudget: RateBudget;
  private readonly sandboxTransport: HttpTransport | undefined;
  private readonly v2Clients = new TtlCache<string, PersonioV2Client>({
    ttlMs: CLIENT_TTL_MS,
    maxEntries: MAX_CLIENTS,
  });
  private readonly clients = new TtlCache<string, PersonioClient>({
    ttlMs: CLIENT_TTL_MS,
    maxEntries: MAX_CLIENTS,
  });

  constructor(private readonly deps: ProviderFactoryDeps) {
    const { personio } = deps.config;
    this.retry = {
      attemptTimeoutMs: personio.timeoutMs,
      budgetMs: personio.retryBudgetMs,
      maxAttempts: personio.maxAttempts,
      baseDelayMs: 200,
      maxDelayMs: 5_000,
    };
    this.rateBudget = new RateBudget(deps.cache, personio.rateLimit.perSecond, personio.rateLimit.burst);
    this.sandboxTransport = deps.sandbox ? fetchTransport(deps.sandbox.fetch) : undefined;
  }

  async personioClient(
    linkedAccount: Pick<LinkedAccount, 'id' | 'integration' | 'credentials'>,
    priority: BudgetPriority = 'live',
  ): Promise<PersonioClient> {
    const { credentials } = linkedAccount;
    if (!credentials) {
      throw new ApiError('provider_unauthorized', 'This linked account has no credentials; link it again.');
    }
    const key = `${priority} ${linkedAccount.id} ${linkedAccount.integration} ${credentials}`;
    return (await this.clients.getOrLoad(key, () =>
      this.newClient({ ...linkedAccount, credentials }, priority),
    ))!;
  }

  /** The account's Personio v2 client: its own token, the same rate budget as its v1 client. */
  async personioV2Client(
    linkedAccount: Pick<LinkedAccount, 'id' | 'integration' | 'credentials'>,
    priority: BudgetPriority = 'live',
  ): Promise<PersonioV2Client> {
    const { credentials } = linkedAccount;
    if (!credentials) {
      throw new ApiError('provider_unauthorized', 'This linked account has no credentials; link it again.');
    }
    const key = `${priority} ${linkedAccount.id} ${linkedAccount.integration} ${credentials}`;
    return (await this.v2Clients.getOrLoad(key, () =>
      this.newClient({ ...linkedAccount, credentials }, priority, PersonioV2Client),
    ))!;
  }

  /** A v2 client for credentials that are not stored yet (finding out whether they have v2 access). */
  v2ClientForCredentials(
    integration: LinkedAccount['integration'],
    credentials: PersonioCredentials,
    key: string,
  ): PersonioV2Client {
    const upstream = this.upstream(integration);
    return new PersonioV2Client({
      baseUrl: upstream.baseUrl,
      transport: upstream.transport,
      credentials,
      tokens: this.deps.tokens,
      accountKey: `unlinked:${key}`,
      partnerId: this.deps.config.personio.partnerId,
      appId: this.deps.config.personio.appId,
      retry: this.retry,
      rateBudget: this.rateBudget,
    });
  }

  private async newClient<Client extends PersonioClient>(
    linkedAccount: Pick<LinkedAccount, 'id' | 'integration'> & { credentials: string },
    priority: BudgetPriority,
    Kind: new (options: ConstructorParameters<typeof PersonioClient>[0]) => Client = PersonioClient as never,
  ): Promise<Client> {
    const credentials = await decryptCredentials(this.deps.secretBox, linkedAccount.credentials);
    const upstream = this.upstream(linkedAccount.integration);
    return new Kind({
      baseUrl: upstream.baseUrl,
      transport: upstream.transport,
      credentials,
      tokens: this.deps.tokens,
      accountKey: await linkedAccountTokenKey({
        id: linkedAccount.id,
        credentials: linkedAccount.credentials,
      }),
      partnerId: this.deps.config.personio.partnerId,
      appId: this.deps.config.personio.appId,
      retry: this.retry,
      rateBudget: this.rateBudget,
      priority,
    });
  }

  /** A client for credentials that are not stored yet (validating them while linking). */
  clientForCredentials(
    integration: LinkedAccount['integration'],
    credentials: PersonioCredentials,
    key: string,
  ) {
    const upstream = this.upstream(integration);
    return new PersonioClient({
      baseUrl: upstream.baseUrl,
      transport: upstream.transport,
      credentials,
      tokens: this.deps.tokens,
      accountKey: `unlinked:${key}`,
      partnerId: this.deps.config.personio.partnerId,
      appId: this.deps.config.personio.appId,
      retry: this.retry,
      rateBudget: this.rateBudget,
    });
  }

  /** The unified provider of a linked account; sync passes ask for `background` priority on the rate budget. */
  async hris(
    linkedAccount: Pick<LinkedAccount, 'id' | 'integration' | 'credentials'> &
      Partial<Pick<LinkedAccount, 'settings' | 'capabilities'>>,
    options: { priority?: BudgetPriority } = {},
  ): Promise<HrisProvider> {
    const v1 = createPersonioProvider(await this.personioClient(linkedAccount, options.priority));
    // Sync passes read their whole window: v1 has the durations inline, v2 needs a call per record.
    if (!usesPersonioV2(linkedAccount) || options.priority === 'background') return v1;
    const v2 = await this.personioV2Client(linkedAccount);
    return createPersonioV2Provider(v1, v2, { cache: this.deps.cache, accountKey: v2.accountKey });
  }

  private upstream(integration: LinkedAccount['integration']): { baseUrl: string; transport: HttpTransport } {
    if (integration === 'personio-sandbox') {
      if (!this.deps.sandbox || !this.sandboxTransport) {
        throw new ApiError(
          'unprocessable',
          'This linked account uses the Personio sandbox, which this deployment does not serve.',
        );
      }
      return { baseUrl: this.deps.sandbox.baseUrl, transport: this.sandboxTransport };
    }
    return { baseUrl: this.deps.config.personio.baseUrl, transport: this.deps.transport };
  }
}
