import type { z } from 'zod';
import type { Cache } from '../cache/types';
import type { Config } from '../config';
import type { SecretBox } from '../crypto/secret-box';
import type {
  FieldCoverage,
  LinkedAccountCapabilities,
  LinkedAccountSettings,
  ResourceAccess,
} from '../db/schema';
import type { ApiError } from '../errors';
import type { Logger } from '../lib/logger';
import type { RequestTrace } from '../observability/request-trace';
import type { HeaderPairs, HttpTransport, UpstreamResponse } from './http';
import type { PersonioTokenManager } from './personio/token-manager';
import type { FetchLike, HrisProvider } from './types';

/**
 * Everything the gateway knows about one HRIS, in one object that `registry.ts` lists. Generic code (link
 * page, linking, proxy, settings, the provider factory) reads these and never names a provider.
 */
export interface ProviderDefinition<Settings = unknown> {
  /** Stable id, e.g. `personio`; also the prefix of the encryption purpose of stored credentials. */
  id: string;
  /** As shown to HR admins, e.g. `Personio`. */
  displayName: string;
  /**
   * The `integration` values of linked accounts served by this provider: the real one, and optionally a
   * built-in simulator (served only where `SANDBOX` is on).
   */
  integrations: readonly ProviderIntegration[];
  credentials: CredentialsDefinition;
  coverage: CoverageDefinition;
  /** `ALL /proxy/{path}`; absent: the provider has no proxy and such calls are refused. */
  proxy?: ProxyDefinition;
  capabilities: ProviderCapabilities;
  /**
   * For providers whose connector has `inboundWebhooks`: what the link page's review step tells an admin whose
   * credential may not register webhooks (which right to grant, and what it brings).
   */
  inboundWebhooksHint?: string;
  /** The provider's own environment variables, validated with every other setting at start-up. */
  settings?: ProviderSettings<Settings>;
  /** Called once per process: the provider's connections, token caches and clients live in what it returns. */
  connect(runtime: ProviderRuntime<Settings>): ProviderConnector;
}

export interface ProviderIntegration {
  id: string;
  /** Served by the built-in simulator rather than the provider's production API. */
  sandbox: boolean;
}

/** What the link page asks for and how it is stored: a flat record of strings keyed by field name. */
export interface CredentialsDefinition {
  schema: z.ZodType<CredentialValues>;
  fields: readonly CredentialField[];
  /** Short guidance shown under the form (plain text paragraphs). */
  help?: { summary: string; steps: readonly string[] };
  /** For sandbox integrations: the credentials to use, said on the form. */
  sandboxHint?: string;
  /** What the link page says when the provider refuses them (default: a generic sentence). */
  rejectedMessage?: string;
}

export type CredentialValues = Record<string, string>;

export interface CredentialField {
  /** Form field name and key in the stored record (snake_case). */
  name: string;
  label: string;
  hint?: string;
  /** Secret fields are never rendered back, logged or shown again. */
  secret: boolean;
  maxLength: number;
}

export interface CoverageDefinition {
  /** Unified Employee field → the provider's fields that fill it (any one suffices). */
  fieldSources: Readonly<Record<string, readonly string[]>>;
  /** How the provider names its fields to an admin (`position` → `Position`). */
  remoteFieldLabels: Readonly<Record<string, string>>;
  /** What the admin does to grant the missing fields, shown above them on the link page. */
  grantHint: string;
  /** Heading of the column of fields to grant (`Whitelist in Personio`). */
  grantColumn: string;
  /** Heading of the list of every field to grant, in the link page's help. */
  grantListTitle: string;
}

/** Where `/proxy/{path}` goes and what it may reach. */
export interface ProxyDefinition {
  /** Version path segments a caller may name first (`v1`, `v2`); the default is used when none is named. */
  versions: readonly string[];
  defaultVersion: string;
  /** A refusal (an `ApiError`) for a canonical target URL this account may not reach, or null. */
  policy?(target: URL, account: { settings: { hide_absence_details?: boolean } | null }): ApiError | null;
}

export type HrisOperation = keyof HrisProvider;

export interface ProviderCapabilities {
  /** Unified operations the provider implements; the others answer `422 unprocessable`. */
  operations: readonly HrisOperation[];
  /** Can change data (time-off requests); with false, writes are refused before reaching the provider. */
  writes: boolean;
  /** Reconciliation passes (the change feed) read the account. */
  sync: boolean;
}

export interface ProviderSettings<Settings> {
  /** Environment variables (names as keys), merged into the one configuration schema. */
  env: z.ZodRawShape;
  read(values: Record<string, unknown>): Settings;
}

/** What a provider gets from the process that serves it. */
export interface ProviderRuntime<Settings = unknown> {
  config: Config;
  settings: Settings;
  cache: Cache;
  secretBox: SecretBox;
  /**
   * Access tokens shared by every process (encrypted in the cache, single-flight exchange). The class
   * lives with Personio, its first user, but knows nothing of it.
   */
  tokens: PersonioTokenManager;
  /** Outbound HTTP to the provider's production API. */
  transport: HttpTransport;
  /** The built-in simulator, when this deployment serves sandbox integrations. */
  sandbox?: { baseUrl: string; fetch: FetchLike } | undefined;
  now: () => Date;
  logger: Logger;
}

/** A linked account as a provider sees it: its credentials are decrypted only when asked for. */
export interface ProviderAccount {
  id: string;
  integration: ProviderIntegration;
  /** The stored ciphertext: names the credential version (a reconnect changes it). */
  sealedCredentials: string;
  credentials(): Promise<CredentialValues>;
  /** The account's settings and what its last credential check found (the provider may pick an API by them). */
  settings?: LinkedAccountSettings | null | undefined;
  capabilities?: LinkedAccountCapabilities | null | undefined;
}

/** What a credential check found out. */
export interface CredentialCheck {
  fieldCoverage: FieldCoverage;
  /** Which unified resources (and attendances) the credential may read and write; null when not probed. */
  resourceAccess: ResourceAccess | null;
  /** A name for the company where the provider gives one (the suggested label of the connection). */
  companyName: string | null;
  /** Recognises the same company linked again; null when the provider cannot tell. */
  companyFingerprint: string | null;
  /** What the credential can do beyond the provider's base API, stored on the account; null when not probed. */
  capabilities: LinkedAccountCapabilities | null;
}

export type Priority = 'live' | 'background';

/** A proxy target: requests go to `baseUrl` (its default version) with the account's authentication. */
export interface ProxyConnection {
  baseUrl: string;
  send(request: {
    method: string;
    url: URL;
    headers: Headers | HeaderPairs;
    body: ArrayBuffer | ReadableStream<Uint8Array> | null;
    retry: boolean | 'unprocessed';
  }): Promise<UpstreamResponse>;
}

export interface ProviderConnector {
  /**
   * Checks credentials live (nothing is stored). Throws `ProviderError` `credentials_rejected` when the
   * provider refuses them, `forbidden` when they may not read employees.
   */
  validateCredentials(
    integration: ProviderIntegration,
    credentials: CredentialValues,
    trace?: RequestTrace,
  ): Promise<CredentialCheck>;
  /** `trace`: the calling request's, on which the provider's upstream calls are counted (none: not traced). */
  hris(account: ProviderAccount, priority: Priority, trace?: RequestTrace): Promise<HrisProvider>;
  proxy?(account: ProviderAccount, trace?: RequestTrace): Promise<ProxyConnection>;
  /** Drops what is cached for these credentials (tokens): on delete, reconnect and rejection. */
  forget(account: { id: string; sealedCredentials: string }): Promise<void>;
  /** Absent: the provider cannot notify the gateway of changes, and passes alone keep the copy current. */
  inboundWebhooks?: InboundWebhooks;
}

/** Which synced record a provider notification names: only ids, the record itself is read again. */
export interface InboundChange {
  kind: 'employee' | 'timeoff_request';
  remoteId: string;
  /** When the change happened at the provider (ISO 8601): the catch-up point moves past it once handled. */
  occurredAt: string;
  /**
   * Set when `remoteId` is the provider's id of what it notified, which need not be the unified id (Personio
   * v2 absence periods): the employee's time-off requests in the sync window are read again and reconciled
   * as a pass would, instead of reading `remoteId`. `employeeId` null: the provider is asked whose record it
   * is (`InboundWebhooks.ownerOf`); when nobody knows, a full pass is requested.
   */
  scope?: { employeeId: string | null };
}

/**
 * Changes pushed by the provider: one webhook per linked account, registered with a random token the provider
 * sends back on every delivery. Generic code (routes, jobs, the change engine) uses only this.
 */
export interface InboundWebhooks {
  /** Does the account's stored capability check say the credential may register webhooks? */
  available(account: ProviderAccount): boolean;
  /** Registers one webhook for the events the change engine needs; returns the provider's id of it. */
  register(account: ProviderAccount, target: { url: string; token: string }): Promise<{ remoteId: string }>;
  /** Removes it; a webhook the provider no longer has counts as removed. */
  unregister(account: ProviderAccount, remoteId: string): Promise<void>;
  /**
   * What the provider notified since `since` (at most `historyDays` back), oldest first; null when the provider
   * no longer has the webhook (the gateway then reconciles with a full pass).
   */
  missedSince(account: ProviderAccount, remoteId: string, since: Date): Promise<InboundChange[] | null>;
  /** How far back `missedSince` reaches. */
  historyDays: number;
  /** The token an inbound request presents (Personio: the `Authorization` header verbatim), or null. */
  presentedToken(headers: Headers): string | null;
  /**
   * The changes an authenticated inbound body names (none for notifications the gateway does not sync, such
   * as a ping). Throws `ProviderError('invalid_input')` for a body that is not such a notification.
   */
  parse(body: unknown): InboundChange[];
  /**
   * The employee a scoped change's record belongs to (see `InboundChange.scope`), or null when the provider no
   * longer has the record or cannot say. Absent: scoped changes without an employee request a full pass.
   */
  ownerOf?(account: ProviderAccount, change: InboundChange): Promise<string | null>;
}
