import { randomBase62 } from '../../crypto/random';
import { TtlCache } from '../../lib/ttl-cache';
import type {
  CredentialCheck,
  CredentialValues,
  ProviderAccount,
  ProviderConnector,
  ProviderIntegration,
  ProviderRuntime,
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
    return (await this.clients.getOrLoad(key, async () => {
      const upstream = this.upstream(account.integration);
      return new PersonioClient({
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
    }))!;
  }

  /** A client for credentials that are not stored yet (validating them while linking). */
  clientForCredentials(integration: ProviderIntegration, credentials: PersonioCredentials, key: string) {
    return new PersonioClient({
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
  ): Promise<CredentialCheck> {
    const probeKey = randomBase62(16);
    const client = this.clientForCredentials(integration, personioCredentials(values), probeKey);
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
      };
    } finally {
      await this.runtime.tokens.forget(`unlinked:${probeKey}`);
    }
  }

  async hris(account: ProviderAccount, priority: BudgetPriority) {
    return createPersonioProvider(await this.client(account, priority));
  }

  proxy(account: ProviderAccount) {
    return this.client(account);
  }

  async forget(account: { id: string; sealedCredentials: string }): Promise<void> {
    await this.runtime.tokens.forget(
      await linkedAccountTokenKey({ id: account.id, credentials: account.sealedCredentials }),
    );
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
