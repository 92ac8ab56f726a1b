import type { Services } from '../context';
import { sha256Hex } from '../crypto/encoding';
import { randomBase62 } from '../crypto/random';
import type { Database } from '../db/client';
import { setLinkedAccountCapabilities } from '../db/queries/linked-account-capabilities';
import {
  createLinkedAccount,
  recordLinkedAccountCheck,
  replaceLinkedAccountCredentials,
} from '../db/queries/linked-accounts';
import type { FieldCoverage, Integration, LinkedAccount, LinkedAccountCapabilities } from '../db/schema';
import { ApiError } from '../errors';
import { withLinkedAccountEvent } from '../events/connection';
import { decryptCredentials, encryptCredentials, forgetLinkedAccountToken } from '../providers/factory';
import type { PersonioCredentials } from '../providers/personio/client';
import { employeeFieldCoverage } from '../providers/personio/mappers/coverage';
import { attributeValue } from '../providers/personio/mappers/values';
import { AttributeListSchema, EmployeeListSchema } from '../providers/personio/schemas';
import { isV2AccessRefused } from '../providers/personio/v2/client';

/** What a live check of Personio credentials found out. */
export interface CredentialCheck {
  fieldCoverage: FieldCoverage;
  /** Recognises the Personio company (see `personioCompanyFingerprint`); null when it has no employees. */
  companyFingerprint: string | null;
}

/**
 * Checks Personio credentials live: a token exchange, one employee, and the attribute list that
 * says what the credential may read. Throws `provider_unauthorized` (details.stage `token_exchange`)
 * when Personio refuses them, `provider_forbidden` when they may not read employees.
 */
export async function validatePersonioCredentials(
  services: Services,
  integration: Integration,
  credentials: PersonioCredentials,
): Promise<CredentialCheck> {
  const probeKey = randomBase62(16);
  const client = services.providers.clientForCredentials(integration, credentials, probeKey);
  try {
    const employees = await client.get('/company/employees', [['limit', '1']], EmployeeListSchema);
    const attributes = await client.get('/company/employees/attributes', [], AttributeListSchema);
    const firstId = attributeValue(employees!.data[0]?.attributes ?? {}, 'id');
    return {
      fieldCoverage: employeeFieldCoverage(attributes!.data, services.now()),
      companyFingerprint:
        typeof firstId === 'number' || typeof firstId === 'string'
          ? await personioCompanyFingerprint(integration, String(firstId))
          : null,
    };
  } finally {
    await services.tokens.forget(`unlinked:${probeKey}`);
  }
}

/**
 * Personio v1 exposes no company id. Employee ids are assigned by Personio across all companies and
 * `id` is readable by every credential whatever its whitelist, so the lowest employee id (the first
 * of the id-ordered list) names the company for any credential of it. It changes only if that very
 * employee record is deleted, in which case a re-link is simply not recognised as the same company.
 */
export async function personioCompanyFingerprint(
  integration: Integration,
  lowestEmployeeId: string,
): Promise<string> {
  return `v1:${(await sha256Hex(`roster:personio-company:${integration}:${lowestEmployeeId}`)).slice(0, 32)}`;
}

/**
 * Can the credential obtain a Personio v2 token? One token exchange, not cached. A refusal means v1 only;
 * so does a failure that says nothing about the credential (timeout, 5xx): v1 always works, and the next
 * check (`POST /linked-accounts/{id}/check`, a reconnect) asks again.
 */
export async function detectCapabilities(
  services: Services,
  integration: Integration,
  credentials: PersonioCredentials,
): Promise<LinkedAccountCapabilities> {
  const client = services.providers.v2ClientForCredentials(integration, credentials, randomBase62(16));
  const checkedAt = services.now().toISOString();
  try {
    await client.exchangeToken();
    return { personio_v2: true, checked_at: checkedAt };
  } catch (error) {
    if (!isV2AccessRefused(error)) {
      services.logger.warn('personio v2 access could not be checked; v1 only until the next check', {
        code: error instanceof ApiError ? error.code : 'unknown',
      });
    }
    return { personio_v2: false, checked_at: checkedAt };
  }
}

/**
 * Stores what the credential can do on the account, returning the account as it is now. Through `db`, the
 * caller's transaction when there is one (the row may be locked by it).
 */
async function recordCapabilities(
  db: Database,
  linkedAccount: LinkedAccount,
  capabilities: LinkedAccountCapabilities,
): Promise<LinkedAccount> {
  return (
    (await setLinkedAccountCapabilities(db, {
      environmentId: linkedAccount.environmentId,
      id: linkedAccount.id,
      capabilities,
    })) ?? linkedAccount
  );
}

/** True when Personio refused the credentials themselves (not a transient failure or a missing right). */
export function isRejectedCredential(error: unknown): error is ApiError {
  return (
    error instanceof ApiError &&
    error.code === 'provider_unauthorized' &&
    (error.details as { stage?: string } | undefined)?.stage === 'token_exchange'
  );
}

export interface LinkPersonioInput {
  environmentId: string;
  integration: Integration;
  credentials: PersonioCredentials;
  originId: string;
  organizationName?: string | null;
  email?: string | null;
}

/** Stores a linked account for credentials that were just validated, encrypting them first. */
export async function storeLinkedAccount(
  services: Services,
  input: LinkPersonioInput & { check: CredentialCheck },
  db: Database = services.db,
): Promise<LinkedAccount> {
  const sealed = await encryptCredentials(services.secretBox, input.credentials);
  const capabilities = await detectCapabilities(services, input.integration, input.credentials);
  // The account and its `linked_account.connected` event commit together; then its passes get scheduled.
  const linkedAccount = await withLinkedAccountEvent(db, 'linked_account.connected', (tx) =>
    createLinkedAccount(tx, {
      environmentId: input.environmentId,
      integration: input.integration,
      originId: input.originId,
      organizationName: input.organizationName ?? null,
      email: input.email ?? null,
      ...sealed,
      fieldCoverage: input.check.fieldCoverage,
      companyFingerprint: input.check.companyFingerprint,
    }),
  );
  const withCapabilities = await recordCapabilities(db, linkedAccount, capabilities);
  await services.jobs.scheduleAccount(withCapabilities);
  return withCapabilities;
}

/** Validates the credentials, then stores the linked account with them encrypted and its field coverage. */
export async function linkPersonioAccount(
  services: Services,
  input: LinkPersonioInput,
): Promise<LinkedAccount> {
  const check = await validatePersonioCredentials(services, input.integration, input.credentials);
  return storeLinkedAccount(services, { ...input, check });
}

/**
 * Reconnect in place: the account keeps its id, gets the new (validated) credentials, their coverage and
 * fingerprint, and is `active` again. The caller drops the old credentials' cached token once this is
 * committed (`forgetLinkedAccountToken` with the account as it was).
 */
export async function replaceCredentials(
  services: Services,
  input: {
    environmentId: string;
    linkedAccountId: string;
    credentials: PersonioCredentials;
    check: CredentialCheck;
    organizationName?: string | null | undefined;
    email?: string | null | undefined;
  },
  db: Database = services.db,
): Promise<LinkedAccount | undefined> {
  const sealed = await encryptCredentials(services.secretBox, input.credentials);
  // This process reads the account afresh on its next request (others within AUTH_CACHE_TTL_MS).
  services.lookups.forgetLinkedAccount(input.environmentId, input.linkedAccountId);
  const updated = await withLinkedAccountEvent(db, 'linked_account.connected', (tx) =>
    replaceLinkedAccountCredentials(tx, {
      environmentId: input.environmentId,
      id: input.linkedAccountId,
      ...sealed,
      fieldCoverage: input.check.fieldCoverage,
      companyFingerprint: input.check.companyFingerprint,
      organizationName: input.organizationName,
      email: input.email,
      now: services.now(),
    }),
  );
  if (!updated) return updated;
  // The integration is the account's: known only now (inside the caller's transaction, if any).
  const capabilities = await detectCapabilities(services, updated.integration, input.credentials);
  const withCapabilities = await recordCapabilities(db, updated, capabilities);
  await services.jobs.scheduleAccount(withCapabilities);
  return withCapabilities;
}

/**
 * Re-validates a linked account's stored credentials live. Personio refusing them makes the account
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
  const credentials = await decryptCredentials(services.secretBox, linkedAccount.credentials);
  const keepDisabled = (status: LinkedAccount['status']) =>
    linkedAccount.status === 'disabled' ? 'disabled' : status;
  let check: CredentialCheck;
  try {
    check = await validatePersonioCredentials(services, linkedAccount.integration, credentials);
  } catch (error) {
    if (!isRejectedCredential(error)) throw error;
    await forgetLinkedAccountToken(services.tokens, linkedAccount);
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
    companyFingerprint: check.companyFingerprint,
    now: services.now(),
  });
  const capabilities = await detectCapabilities(services, linkedAccount.integration, credentials);
  return recordCapabilities(services.db, updated ?? linkedAccount, capabilities);
}
