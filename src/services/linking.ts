import type { Services } from '../context';
import type { Database } from '../db/client';
import { setLinkedAccountCapabilities } from '../db/queries/linked-account-capabilities';
import {
  createLinkedAccount,
  recordLinkedAccountCheck,
  replaceLinkedAccountCredentials,
} from '../db/queries/linked-accounts';
import type { Integration, LinkedAccount, LinkedAccountCapabilities } from '../db/schema';
import { ApiError } from '../errors';
import { withLinkedAccountEvent } from '../events/connection';
import type { CredentialCheck, CredentialValues } from '../providers/definition';
import { isCredentialsRejected, type ProviderError } from '../providers/errors';
import type { PersonioCredentials } from '../providers/personio/client';
import { ensureInboundWebhook, registerInboundWebhook } from './inbound-webhooks';

export type { CredentialCheck } from '../providers/definition';
export { personioCompanyFingerprint } from '../providers/personio/fingerprint';

/**
 * Checks credentials live with the integration's provider (nothing is stored). Throws a `ProviderError`
 * `credentials_rejected` when the provider refuses them, `forbidden` when they may not read employees.
 */
export function validateCredentials(
  services: Services,
  integration: Integration,
  credentials: CredentialValues,
): Promise<CredentialCheck> {
  return services.providers.validateCredentials(integration, credentials);
}

/** Personio's credentials as the record its definition stores. */
function personioValues(credentials: PersonioCredentials): CredentialValues {
  return { client_id: credentials.clientId, client_secret: credentials.clientSecret };
}

/** `validateCredentials` for Personio credentials. */
export function validatePersonioCredentials(
  services: Services,
  integration: Integration,
  credentials: PersonioCredentials,
): Promise<CredentialCheck> {
  return validateCredentials(services, integration, personioValues(credentials));
}

/**
 * Stores what the check found the credential can do (when the provider reports it), returning the account
 * as it is now. Through `db`, the caller's transaction when there is one (the row may be locked by it).
 */
async function recordCapabilities(
  db: Database,
  linkedAccount: LinkedAccount,
  capabilities: LinkedAccountCapabilities | null,
): Promise<LinkedAccount> {
  if (!capabilities) return linkedAccount;
  return (
    (await setLinkedAccountCapabilities(db, {
      environmentId: linkedAccount.environmentId,
      id: linkedAccount.id,
      capabilities,
    })) ?? linkedAccount
  );
}

/** True when the provider refused the credentials themselves (not a transient failure or a missing right). */
export function isRejectedCredential(error: unknown): error is ProviderError {
  return isCredentialsRejected(error);
}

export interface LinkAccountInput {
  environmentId: string;
  integration: Integration;
  /** The provider's credential record (field name → value). */
  credentials: CredentialValues;
  originId: string;
  organizationName?: string | null;
  email?: string | null;
  /** The admin's name for the connection; default the company name the check found. */
  label?: string | null;
}

export type LinkPersonioInput = Omit<LinkAccountInput, 'credentials'> & { credentials: PersonioCredentials };

/** Stores a linked account for credentials that were just validated, encrypting them first. */
export async function storeLinkedAccount(
  services: Services,
  input: LinkAccountInput & { check: CredentialCheck },
  db: Database = services.db,
): Promise<LinkedAccount> {
  const sealed = await services.providers.sealCredentials(input.integration, input.credentials);
  // The account and its `linked_account.connected` event commit together; then its passes get scheduled.
  const linkedAccount = await withLinkedAccountEvent(db, 'linked_account.connected', async (tx) => {
    const created = await createLinkedAccount(tx, {
      environmentId: input.environmentId,
      integration: input.integration,
      originId: input.originId,
      organizationName: input.organizationName ?? null,
      email: input.email ?? null,
      ...sealed,
      fieldCoverage: input.check.fieldCoverage,
      resourceAccess: input.check.resourceAccess,
      companyFingerprint: input.check.companyFingerprint,
      label: input.label ?? input.check.companyName,
    });
    return recordCapabilities(tx, created, input.check.capabilities);
  });
  await services.jobs.scheduleAccount(linkedAccount);
  // Never fails the link: a failed registration is recorded and the account stays on polling. Inside a
  // caller's transaction the caller registers once it has committed (the account is not visible before).
  if (db === services.db) await registerInboundWebhook(services, linkedAccount);
  return linkedAccount;
}

/** Validates the credentials, then stores the linked account with them encrypted and its field coverage. */
export async function linkAccount(services: Services, input: LinkAccountInput): Promise<LinkedAccount> {
  const check = await validateCredentials(services, input.integration, input.credentials);
  return storeLinkedAccount(services, { ...input, check });
}

/** `linkAccount` for Personio credentials. */
export function linkPersonioAccount(services: Services, input: LinkPersonioInput): Promise<LinkedAccount> {
  return linkAccount(services, { ...input, credentials: personioValues(input.credentials) });
}

/**
 * Reconnect in place: the account keeps its id, gets the new (validated) credentials, their coverage and
 * fingerprint, and is `active` again. The caller drops the old credentials' cached token once this is
 * committed (`services.providers.forget` with the account as it was).
 */
export async function replaceCredentials(
  services: Services,
  input: {
    environmentId: string;
    linkedAccountId: string;
    integration: Integration;
    credentials: CredentialValues;
    check: CredentialCheck;
    label?: string | null | undefined;
    organizationName?: string | null | undefined;
    email?: string | null | undefined;
  },
  db: Database = services.db,
): Promise<LinkedAccount | undefined> {
  const sealed = await services.providers.sealCredentials(input.integration, input.credentials);
  // This process reads the account afresh on its next request (others within AUTH_CACHE_TTL_MS).
  services.lookups.forgetLinkedAccount(input.environmentId, input.linkedAccountId);
  const updated = await withLinkedAccountEvent(db, 'linked_account.connected', async (tx) => {
    const replaced = await replaceLinkedAccountCredentials(tx, {
      environmentId: input.environmentId,
      id: input.linkedAccountId,
      ...sealed,
      fieldCoverage: input.check.fieldCoverage,
      resourceAccess: input.check.resourceAccess,
      companyFingerprint: input.check.companyFingerprint,
      label: input.label,
      organizationName: input.organizationName,
      email: input.email,
      now: services.now(),
    });
    return replaced && recordCapabilities(tx, replaced, input.check.capabilities);
  });
  if (updated) {
    await services.jobs.scheduleAccount(updated);
    // A new token with the new credential; the old webhook is removed first (by the caller after its commit).
    if (db === services.db) await registerInboundWebhook(services, updated);
  }
  return updated;
}

/**
 * Re-validates a linked account's stored credentials live. The provider refusing them makes the account
 * `needs_reauth` (and drops its cached token); accepting them makes it `active` with fresh coverage.
 * A disabled account stays disabled. Transient upstream failures are thrown and change nothing.
 */
export async function checkLinkedAccount(
  services: Services,
  linkedAccount: LinkedAccount,
): Promise<LinkedAccount> {
  services.lookups.forgetLinkedAccount(linkedAccount.environmentId, linkedAccount.id);
  if (!linkedAccount.credentials) {
    throw new ApiError('provider_unauthorized', 'This linked account has no credentials; link it again.');
  }
  const credentials = await services.providers.openCredentials(linkedAccount);
  const keepDisabled = (status: LinkedAccount['status']) =>
    linkedAccount.status === 'disabled' ? 'disabled' : status;
  let check: CredentialCheck;
  try {
    check = await validateCredentials(services, linkedAccount.integration, credentials);
  } catch (error) {
    if (!isCredentialsRejected(error)) throw error;
    await services.providers.forget(linkedAccount);
    let updated: LinkedAccount | undefined;
    await withLinkedAccountEvent(services.db, 'linked_account.needs_reauth', async (db) => {
      updated = await recordLinkedAccountCheck(db, {
        environmentId: linkedAccount.environmentId,
        id: linkedAccount.id,
        status: keepDisabled('needs_reauth'),
        now: services.now(),
      });
      // An event only when the account went from active to needs_reauth.
      return linkedAccount.status === 'active' && updated?.status === 'needs_reauth' ? updated : undefined;
    });
    return updated ?? linkedAccount;
  }
  const updated = await recordLinkedAccountCheck(services.db, {
    environmentId: linkedAccount.environmentId,
    id: linkedAccount.id,
    status: keepDisabled('active'),
    fieldCoverage: check.fieldCoverage,
    resourceAccess: check.resourceAccess ?? undefined,
    companyFingerprint: check.companyFingerprint,
    now: services.now(),
  });
  const recorded = await recordCapabilities(services.db, updated ?? linkedAccount, check.capabilities);
  await ensureInboundWebhook(services, recorded);
  return recorded;
}
