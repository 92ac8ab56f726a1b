import type { Cache } from '../cache/types';
import type { Config } from '../config';
import type { SecretBox } from '../crypto/secret-box';
import type { LinkedAccount } from '../db/schema';
import { ApiError } from '../errors';
import { type Logger, silentLogger } from '../lib/logger';
import type { RequestTrace } from '../observability/request-trace';
import type {
  CredentialCheck,
  CredentialValues,
  HrisOperation,
  InboundWebhooks,
  Priority,
  ProviderAccount,
  ProviderConnector,
  ProviderDefinition,
  ProxyConnection,
  ProxyDefinition,
} from './definition';
import { ProviderError } from './errors';
import type { HttpTransport } from './http';
import type { PersonioClient, PersonioCredentials } from './personio/client';
import type { PersonioConnector } from './personio/connector';
import type { PersonioTokenManager } from './personio/token-manager';
import { findIntegration, type RegisteredIntegration } from './registry';
import { linkedAccountTokenKey } from './token-key';
import type { FetchLike, HrisProvider } from './types';

export { linkedAccountTokenKey } from './token-key';

/** The encryption purpose of Personio's stored credentials (every provider's is `<id>-credentials`). */
export const CREDENTIALS_PURPOSE = 'personio-credentials';

export interface ProviderFactoryDeps {
  config: Config;
  cache: Cache;
  secretBox: SecretBox;
  tokens: PersonioTokenManager;
  transport: HttpTransport;
  /** The built-in simulator, when this deployment serves sandbox integrations. */
  sandbox?: { baseUrl: string; fetch: FetchLike } | undefined;
  now?: () => Date;
  logger?: Logger | undefined;
}

function credentialsPurpose(definition: ProviderDefinition): string {
  return `${definition.id}-credentials`;
}

/** Seals a provider's credential record for storage (a JWE bound to the provider). */
export async function sealCredentials(
  secretBox: SecretBox,
  definition: ProviderDefinition,
  credentials: CredentialValues,
) {
  const sealed = await secretBox.encrypt(
    JSON.stringify(definition.credentials.schema.parse(credentials)),
    credentialsPurpose(definition),
  );
  return { encryptedCredentials: sealed, credentialsKeyId: secretBox.currentKeyId };
}

export async function openCredentials(
  secretBox: SecretBox,
  definition: ProviderDefinition,
  sealed: string,
): Promise<CredentialValues> {
  return definition.credentials.schema.parse(
    JSON.parse(await secretBox.decrypt(sealed, credentialsPurpose(definition))),
  );
}

/** Personio credentials sealed for storage (what tests and the admin CLI hand in). */
export function encryptCredentials(secretBox: SecretBox, credentials: PersonioCredentials) {
  return sealCredentials(secretBox, personio(), {
    client_id: credentials.clientId,
    client_secret: credentials.clientSecret,
  });
}

export async function decryptCredentials(secretBox: SecretBox, sealed: string): Promise<PersonioCredentials> {
  const values = await openCredentials(secretBox, personio(), sealed);
  return { clientId: values.client_id ?? '', clientSecret: values.client_secret ?? '' };
}

function personio(): ProviderDefinition {
  return findIntegration('personio')!.definition;
}

/** Drops the cached Personio token of a linked account's current credentials (delete, reconnect, rejection). */
export async function forgetLinkedAccountToken(
  tokens: PersonioTokenManager,
  linkedAccount: Pick<LinkedAccount, 'id' | 'credentials'>,
): Promise<void> {
  if (!linkedAccount.credentials) return;
  await tokens.forget(
    await linkedAccountTokenKey({ id: linkedAccount.id, credentials: linkedAccount.credentials }),
  );
}

type AccountRow = Pick<LinkedAccount, 'id' | 'integration' | 'credentials'> &
  Partial<Pick<LinkedAccount, 'settings' | 'capabilities'>>;

/**
 * Generic access to providers: finds a linked account's provider in the registry, connects it once per
 * process, and hands out its unified operations, proxy and credential checks.
 */
export class ProviderFactory {
  private readonly connectors = new Map<string, ProviderConnector>();
  /** The request this view serves (see `forRequest`); unset on the process's factory. */
  declare private readonly trace: RequestTrace | undefined;

  constructor(private readonly deps: ProviderFactoryDeps) {}

  /**
   * A view of this factory for one request: the same connectors and clients, whose upstream calls are
   * counted on `trace`. Passed explicitly rather than found through an async context, which costs a
   * promise hook on every await on Node.
   */
  forRequest(trace: RequestTrace): ProviderFactory {
    // Assigned, not defined with a descriptor: `Object.create(proto, descriptors)` is 25× slower in V8.
    const view = Object.create(this) as ProviderFactory;
    (view as unknown as { trace: RequestTrace }).trace = trace;
    return view;
  }

  /** The provider of an integration id; an unknown one is a linked account this deployment cannot serve. */
  resolve(integration: string): RegisteredIntegration {
    const found = findIntegration(integration);
    if (!found) {
      throw new ProviderError('not_served', `This deployment does not serve the integration ${integration}.`);
    }
    return found;
  }

  connector(definition: ProviderDefinition): ProviderConnector {
    let connector = this.connectors.get(definition.id);
    if (!connector) {
      connector = definition.connect({
        config: this.deps.config,
        settings: this.deps.config.providers[definition.id] ?? definition.settings?.read({}),
        cache: this.deps.cache,
        secretBox: this.deps.secretBox,
        tokens: this.deps.tokens,
        transport: this.deps.transport,
        sandbox: this.deps.sandbox,
        now: this.deps.now ?? (() => new Date()),
        logger: this.deps.logger ?? silentLogger,
      });
      this.connectors.set(definition.id, connector);
    }
    return connector;
  }

  /** Live check of credentials that are not stored yet. */
  validateCredentials(integration: string, credentials: CredentialValues): Promise<CredentialCheck> {
    const found = this.resolve(integration);
    return this.connector(found.definition).validateCredentials(found.integration, credentials, this.trace);
  }

  sealCredentials(integration: string, credentials: CredentialValues) {
    return sealCredentials(this.deps.secretBox, this.resolve(integration).definition, credentials);
  }

  openCredentials(linkedAccount: AccountRow): Promise<CredentialValues> {
    const sealed = linkedAccount.credentials;
    if (!sealed) return Promise.reject(noCredentials());
    return openCredentials(this.deps.secretBox, this.resolve(linkedAccount.integration).definition, sealed);
  }

  /** The unified provider of a linked account; sync passes ask for `background` priority on the rate budget. */
  async hris(linkedAccount: AccountRow, options: { priority?: Priority } = {}): Promise<HrisProvider> {
    const { definition, account } = this.account(linkedAccount);
    const provider = await this.connector(definition).hris(account, options.priority ?? 'live', this.trace);
    return withCapabilities(definition, provider);
  }

  /**
   * The unified provider for credentials not stored yet (the link page's review step reads the fields the
   * admin can map), its tokens cached under `transientId`.
   */
  async hrisForCredentials(
    integrationId: string,
    credentials: CredentialValues,
    transientId: string,
  ): Promise<HrisProvider> {
    const { definition, integration } = this.resolve(integrationId);
    const sealed = await sealCredentials(this.deps.secretBox, definition, credentials);
    const account: ProviderAccount = {
      id: transientId,
      integration,
      sealedCredentials: sealed.encryptedCredentials,
      credentials: async () => credentials,
    };
    return withCapabilities(definition, await this.connector(definition).hris(account, 'live', this.trace));
  }

  /** Where `/proxy/{path}` goes for this account, and what it may reach. */
  async proxy(
    linkedAccount: AccountRow,
  ): Promise<{ connection: ProxyConnection; proxy: ProxyDefinition; displayName: string }> {
    const { definition, account } = this.account(linkedAccount);
    const connector = this.connector(definition);
    if (!definition.proxy || !connector.proxy) {
      throw new ApiError('unprocessable', `The proxy does not serve ${definition.displayName} accounts.`);
    }
    return {
      connection: await connector.proxy(account, this.trace),
      proxy: definition.proxy,
      displayName: definition.displayName,
    };
  }

  /** Drops what the provider caches for the account's current credentials (tokens). */
  async forget(linkedAccount: Pick<LinkedAccount, 'id' | 'integration' | 'credentials'>): Promise<void> {
    if (!linkedAccount.credentials) return;
    const found = findIntegration(linkedAccount.integration);
    if (!found) return;
    await this.connector(found.definition).forget({
      id: linkedAccount.id,
      sealedCredentials: linkedAccount.credentials,
    });
  }

  /**
   * The provider's inbound webhooks and the account as it sees them, when the provider has them (whether the
   * account's credential may use them is `hooks.available(account)`); null otherwise.
   */
  inboundWebhooks(linkedAccount: AccountRow): { hooks: InboundWebhooks; account: ProviderAccount } | null {
    const found = findIntegration(linkedAccount.integration);
    if (!found || !linkedAccount.credentials) return null;
    const hooks = this.connector(found.definition).inboundWebhooks;
    return hooks ? { hooks, account: this.account(linkedAccount).account } : null;
  }

  /** The inbound webhooks of an integration's provider (the inbound route knows no account's credentials yet). */
  inboundWebhooksOf(integration: string): InboundWebhooks | null {
    const found = findIntegration(integration);
    return found ? (this.connector(found.definition).inboundWebhooks ?? null) : null;
  }

  /** The Personio client of a Personio account (sandbox actions write through it). */
  personioClient(linkedAccount: AccountRow, priority: Priority = 'live'): Promise<PersonioClient> {
    const { definition, account } = this.account(linkedAccount);
    if (definition.id !== 'personio') {
      throw new ApiError('unprocessable', 'This linked account is not a Personio account.');
    }
    return (this.connector(definition) as PersonioConnector)
      .client(account, priority)
      .then((client) => client.forRequest(this.trace));
  }

  private account(linkedAccount: AccountRow): { definition: ProviderDefinition; account: ProviderAccount } {
    const { credentials } = linkedAccount;
    if (!credentials) throw noCredentials();
    const { definition, integration } = this.resolve(linkedAccount.integration);
    return {
      definition,
      account: {
        id: linkedAccount.id,
        integration,
        sealedCredentials: credentials,
        credentials: () => openCredentials(this.deps.secretBox, definition, credentials),
        settings: linkedAccount.settings,
        capabilities: linkedAccount.capabilities,
      },
    };
  }
}

function noCredentials(): ProviderError {
  return new ProviderError('unauthorized', 'This linked account has no credentials; link it again.');
}

const OPERATIONS: readonly HrisOperation[] = [
  'listEmployees',
  'getEmployee',
  'listTimeoffTypes',
  'listTimeoffRequests',
  'getTimeoffRequest',
  'createTimeoffRequest',
  'deleteTimeoffRequest',
  'listTimeoffBalances',
  'createEmployee',
  'updateEmployee',
  'getEmployeeAvatar',
  'listRemoteFields',
];
const WRITES: readonly HrisOperation[] = [
  'createTimeoffRequest',
  'deleteTimeoffRequest',
  'createEmployee',
  'updateEmployee',
];

/** Operations a provider does not declare answer `422` before reaching it. */
function withCapabilities(definition: ProviderDefinition, provider: HrisProvider): HrisProvider {
  const { operations, writes } = definition.capabilities;
  const wrapped = { ...provider };
  for (const name of OPERATIONS) {
    if (provider[name] && operations.includes(name) && (writes || !WRITES.includes(name))) continue;
    wrapped[name] = (() =>
      Promise.reject(
        new ProviderError('unsupported', `${definition.displayName} does not support this operation.`, {
          details: { provider: definition.id, operation: name },
        }),
      )) as never;
  }
  return wrapped;
}
