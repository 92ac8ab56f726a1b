import { randomBase62 } from '../../crypto/random';
import type { LinkedAccountCapabilities } from '../../db/schema';
import { TtlCache } from '../../lib/ttl-cache';
import type { RequestTrace } from '../../observability/request-trace';
import type {
  CredentialCheck,
  CredentialValues,
  InboundWebhooks,
  ProviderAccount,
  ProviderConnector,
  ProviderIntegration,
  ProviderRuntime,
  ProxyConnection,
} from '../definition';
import { ProviderError } from '../errors';
import { fetchTransport, type HttpTransport } from '../http';
import { linkedAccountTokenKey } from '../token-key';
import { probeResourceAccess } from './access';
import { PersonioClient, type PersonioCredentials } from './client';
import { personioCompanyFingerprint } from './fingerprint';
import { employeeFieldCoverage } from './mappers/coverage';
import { attributeValue } from './mappers/values';
import { createPersonioProvider } from './provider';
import { type BudgetPriority, RateBudget, type RetryPolicy } from './resilience';
import { AttributeListSchema, EmployeeListSchema, isRelation } from './schemas';
import type { PersonioSettings } from './settings';
import { isV2AccessRefused, PersonioV2Client, V2_TOKEN_KEY_SUFFIX, v2Origin } from './v2/client';
import { createPersonioV2Provider, usesPersonioV2 } from './v2/provider';
import { detectSharedAbsenceIds } from './v2/shared-ids';
import {
  absencePeriodOwner,
  EVENTS_HISTORY_DAYS,
  eventsSince,
  parseNotification,
  presentedToken,
  registerWebhook,
  unregisterWebhook,
  WEBHOOKS_SCOPE,
} from './v2/webhooks';

/**
 * Clients are kept per linked account and stored ciphertext, so a call does not decrypt and hash
 * the credentials again; linking again writes a new ciphertext (new IV), so it can never meet an old
 * client. The time limit only bounds how long decrypted credentials stay in memory unused.
 */
const CLIENT_TTL_MS = 10 * 60_000;
const MAX_CLIENTS = 10_000;

export function personioCredentials(values: CredentialValues): PersonioCredentials {
  return { clientId: values.client_id ?? '', clientSecret: values.client_secret ?? '' };
}

/** Personio for one process: its clients, the shared rate budget and token cache, the real API or the simulator. */
export class PersonioConnector implements ProviderConnector {
  private readonly retry: RetryPolicy;
  private readonly rateBudget: RateBudget;
  private readonly sandboxTransport: HttpTransport | undefined;
  private readonly clients = new TtlCache<string, PersonioClient>({
    ttlMs: CLIENT_TTL_MS,
    maxEntries: MAX_CLIENTS,
  });
  private readonly v2Clients = new TtlCache<string, PersonioV2Client>({
    ttlMs: CLIENT_TTL_MS,
    maxEntries: MAX_CLIENTS,
  });

  constructor(private readonly runtime: ProviderRuntime<PersonioSettings>) {
    const { upstream } = runtime.config;
    this.retry = {
      attemptTimeoutMs: upstream.timeoutMs,
      budgetMs: upstream.retryBudgetMs,
      maxAttempts: upstream.maxAttempts,
      baseDelayMs: 200,
      maxDelayMs: 5_000,
    };
    this.rateBudget = new RateBudget(runtime.cache, upstream.rateLimit.perSecond, upstream.rateLimit.burst);
    this.sandboxTransport = runtime.sandbox ? fetchTransport(runtime.sandbox.fetch) : undefined;
  }

  async client(account: ProviderAccount, priority: BudgetPriority = 'live'): Promise<PersonioClient> {
    const key = `${priority} ${account.id} ${account.integration.id} ${account.sealedCredentials}`;
    return (await this.clients.getOrLoad(key, () => this.newClient(account, priority, PersonioClient)))!;
  }

  /** The account's Personio v2 client: its own token, the same rate budget as its v1 client. */
  async v2Client(account: ProviderAccount, priority: BudgetPriority = 'live'): Promise<PersonioV2Client> {
    const key = `${priority} ${account.id} ${account.integration.id} ${account.sealedCredentials}`;
    return (await this.v2Clients.getOrLoad(key, () => this.newClient(account, priority, PersonioV2Client)))!;
  }

  private async newClient<Client extends PersonioClient>(
    account: ProviderAccount,
    priority: BudgetPriority,
    Kind: new (options: ConstructorParameters<typeof PersonioClient>[0]) => Client,
  ): Promise<Client> {
    {
      const upstream = this.upstream(account.integration);
      return new Kind({
        ...upstream,
        credentials: personioCredentials(await account.credentials()),
        tokens: this.runtime.tokens,
        accountKey: await linkedAccountTokenKey({ id: account.id, credentials: account.sealedCredentials }),
        partnerId: this.runtime.settings.partnerId,
        appId: this.runtime.settings.appId,
        retry: this.retry,
        rateBudget: this.rateBudget,
        priority,
      });
    }
  }

  /** A client for credentials that are not stored yet (validating them while linking). */
  clientForCredentials<Client extends PersonioClient = PersonioClient>(
    integration: ProviderIntegration,
    credentials: PersonioCredentials,
    key: string,
    Kind: new (options: ConstructorParameters<typeof PersonioClient>[0]) => Client = PersonioClient as never,
  ): Client {
    return new Kind({
      ...this.upstream(integration),
      credentials,
      tokens: this.runtime.tokens,
      accountKey: `unlinked:${key}`,
      partnerId: this.runtime.settings.partnerId,
      appId: this.runtime.settings.appId,
      retry: this.retry,
      rateBudget: this.rateBudget,
    });
  }

  /**
   * A token exchange, one employee, and the attribute list that says what the credential may read.
   * Personio refusing the exchange is `credentials_rejected`; no right to read employees is `forbidden`.
   */
  async validateCredentials(
    integration: ProviderIntegration,
    values: CredentialValues,
    trace?: RequestTrace,
  ): Promise<CredentialCheck> {
    const probeKey = randomBase62(16);
    const client = this.clientForCredentials(integration, personioCredentials(values), probeKey).forRequest(
      trace,
    );
    try {
      const employees = await client.get('/company/employees', [['limit', '1']], EmployeeListSchema);
      const attributes = await client.get('/company/employees/attributes', [], AttributeListSchema);
      const firstId = attributeValue(employees!.data[0]?.attributes ?? {}, 'id');
      return {
        fieldCoverage: employeeFieldCoverage(attributes!.data, this.runtime.now()),
        resourceAccess: await probeResourceAccess(client, this.runtime.now()),
        companyName: legalEntityName(employees!.data[0]?.attributes ?? {}),
        companyFingerprint:
          typeof firstId === 'number' || typeof firstId === 'string'
            ? await personioCompanyFingerprint(integration.id, String(firstId))
            : null,
        capabilities: await this.detectCapabilities(
          integration,
          personioCredentials(values),
          probeKey,
          client,
          trace,
        ),
      };
    } finally {
      await this.runtime.tokens.forget(`unlinked:${probeKey}`);
      await this.runtime.tokens.forget(`unlinked:${probeKey}${V2_TOKEN_KEY_SUFFIX}`);
    }
  }

  /**
   * Can the credential obtain a Personio v2 token? One token exchange. A refusal means v1 only; so does a
   * failure that says nothing about the credential (timeout, 5xx): v1 always works, and the next check
   * (`POST /linked-accounts/{id}/check`, a reconnect) asks again. Never throws: v1 access decides the link.
   */
  private async detectCapabilities(
    integration: ProviderIntegration,
    credentials: PersonioCredentials,
    probeKey: string,
    v1: PersonioClient,
    trace: RequestTrace | undefined,
  ): Promise<LinkedAccountCapabilities> {
    const client = this.clientForCredentials(integration, credentials, probeKey, PersonioV2Client).forRequest(
      trace,
    );
    const checkedAt = this.runtime.now().toISOString();
    try {
      const issued = await client.exchangeToken();
      // No scope in the answer means every scope of the credential (REFERENCE §2.2): try registering then.
      const scopes = issued.scope?.split(/\s+/);
      return {
        personio_v2: true,
        webhooks: scopes === undefined || scopes.includes(WEBHOOKS_SCOPE),
        personio_v2_shared_absence_ids: await this.sharedAbsenceIds(v1, client),
        checked_at: checkedAt,
      };
    } catch (error) {
      if (!isV2AccessRefused(error)) {
        this.runtime.logger.warn('personio v2 access could not be checked; v1 only until the next check', {
          code: error instanceof ProviderError ? error.kind : 'unknown',
        });
      }
      return { personio_v2: false, webhooks: false, checked_at: checkedAt };
    }
  }

  /** See shared-ids.ts; null (v1 for time-off lists) when the comparison could not be made. */
  private async sharedAbsenceIds(v1: PersonioClient, v2: PersonioV2Client): Promise<boolean | null> {
    try {
      return await detectSharedAbsenceIds(createPersonioProvider(v1), v2, this.runtime.now());
    } catch (error) {
      this.runtime.logger.warn('personio v2 absence ids could not be compared; time-off lists stay on v1', {
        code: error instanceof ProviderError ? error.kind : 'unknown',
      });
      return null;
    }
  }

  async hris(account: ProviderAccount, priority: BudgetPriority, trace?: RequestTrace) {
    const v1 = createPersonioProvider((await this.client(account, priority)).forRequest(trace));
    // Sync passes read their whole window: v1 has the durations inline, v2 needs a call per record.
    if (!usesPersonioV2(account) || priority === 'background') return v1;
    const v2 = (await this.v2Client(account)).forRequest(trace);
    return createPersonioV2Provider(v1, v2, { cache: this.runtime.cache, accountKey: v2.accountKey });
  }

  /** `/proxy/v2/…` goes with the account's v2 token when its credential has one; everything else with v1's. */
  async proxy(account: ProviderAccount, trace?: RequestTrace): Promise<ProxyConnection> {
    const v1 = (await this.client(account)).forRequest(trace);
    if (account.capabilities?.personio_v2 !== true) return v1;
    const v2Prefix = `${new URL(v2Origin(v1.baseUrl)).pathname.replace(/\/$/, '')}/v2/`;
    return {
      baseUrl: v1.baseUrl,
      send: async (request) =>
        request.url.pathname.startsWith(v2Prefix)
          ? (await this.v2Client(account)).forRequest(trace).send(request)
          : v1.send(request),
    };
  }

  /** Personio v2 webhooks for accounts whose credential may register them. */
  readonly inboundWebhooks: InboundWebhooks = {
    available: (account) =>
      account.capabilities?.personio_v2 === true && account.capabilities.webhooks === true,
    register: async (account, target) => registerWebhook(await this.v2Client(account), target),
    unregister: async (account, remoteId) => unregisterWebhook(await this.v2Client(account), remoteId),
    missedSince: async (account, remoteId, since) =>
      eventsSince(await this.v2Client(account, 'background'), remoteId, since, this.runtime.now()),
    historyDays: EVENTS_HISTORY_DAYS,
    presentedToken,
    parse: (body) => parseNotification(body, this.runtime.now()),
    ownerOf: async (account, change) =>
      absencePeriodOwner(await this.v2Client(account, 'background'), change.remoteId),
  };

  async forget(account: { id: string; sealedCredentials: string }): Promise<void> {
    const key = await linkedAccountTokenKey({ id: account.id, credentials: account.sealedCredentials });
    await this.runtime.tokens.forget(key);
    await this.runtime.tokens.forget(`${key}${V2_TOKEN_KEY_SUFFIX}`);
  }

  private upstream(integration: ProviderIntegration): { baseUrl: string; transport: HttpTransport } {
    if (integration.sandbox) {
      if (!this.runtime.sandbox || !this.sandboxTransport) {
        throw new ProviderError(
          'not_served',
          'This linked account uses the Personio sandbox, which this deployment does not serve.',
        );
      }
      return { baseUrl: this.runtime.sandbox.baseUrl, transport: this.sandboxTransport };
    }
    return { baseUrl: this.runtime.settings.baseUrl, transport: this.runtime.transport };
  }
}

/**
 * A name for the company where Personio gives one: v1 has no company endpoint, so the legal entity
 * (`subcompany`) of its first employee, when the credential may read that attribute.
 */
function legalEntityName(attributes: Record<string, unknown>): string | null {
  const subcompany = attributeValue(attributes, 'subcompany');
  if (!isRelation(subcompany)) return null;
  const name = subcompany.attributes.name;
  return typeof name === 'string' && name.trim() !== '' ? name.trim().slice(0, 100) : null;
}
