import type { Services } from '../context';
import { sha256Hex } from '../crypto/encoding';
import { randomBase62 } from '../crypto/random';
import type { Database } from '../db/client';
import {
  createLinkedAccount,
  recordLinkedAccountCheck,
  replaceLinkedAccountCredentials,
} from '../db/queries/linked-accounts';
import type { FieldCoverage, Integration, LinkedAccount, ResourceAccess } from '../db/schema';
import { ApiError } from '../errors';
import { withLinkedAccountEvent } from '../events/connection';
import { decryptCredentials, encryptCredentials, forgetLinkedAccountToken } from '../providers/factory';
import { probeResourceAccess } from '../providers/personio/access';
import type { PersonioCredentials } from '../providers/personio/client';
import { employeeFieldCoverage } from '../providers/personio/mappers/coverage';
import { attributeValue } from '../providers/personio/mappers/values';
import { AttributeListSchema, EmployeeListSchema, isRelation } from '../providers/personio/schemas';

/** What a live check of Personio credentials found out. */
export interface CredentialCheck {
  fieldCoverage: FieldCoverage;
  /** Which unified resources (and attendances) the credential may read and write. */
  resourceAccess: ResourceAccess | null;
  /**
   * A name for the company where Personio gives one: v1 has no company endpoint, so the legal entity
   * (`subcompany`) of its first employee, when the credential may read that attribute.
   */
  companyName: string | null;
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
      resourceAccess: await probeResourceAccess(client, services.now()),
      companyName: legalEntityName(employees!.data[0]?.attributes ?? {}),
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

function legalEntityName(attributes: Record<string, unknown>): string | null {
  const subcompany = attributeValue(attributes, 'subcompany');
  if (!isRelation(subcompany)) return null;
  const name = subcompany.attributes.name;
  return typeof name === 'string' && name.trim() !== '' ? name.trim().slice(0, 100) : null;
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
  /** The admin's name for the connection; default the company name the check found. */
  label?: string | null;
}

/** Stores a linked account for credentials that were just validated, encrypting them first. */
export async function storeLinkedAccount(
  services: Services,
  input: LinkPersonioInput & { check: CredentialCheck },
  db: Database = services.db,
): Promise<LinkedAccount> {
  const sealed = await encryptCredentials(services.secretBox, input.credentials);
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
      resourceAccess: input.check.resourceAccess,
      companyFingerprint: input.check.companyFingerprint,
      label: input.label ?? input.check.companyName,
    }),
  );
  await services.jobs.scheduleAccount(linkedAccount);
  return linkedAccount;
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
    label?: string | null | undefined;
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
      resourceAccess: input.check.resourceAccess,
      companyFingerprint: input.check.companyFingerprint,
      label: input.label,
      organizationName: input.organizationName,
      email: input.email,
      now: services.now(),
    }),
  );
  if (updated) await services.jobs.scheduleAccount(updated);
  return updated;
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
    resourceAccess: check.resourceAccess ?? undefined,
    companyFingerprint: check.companyFingerprint,
    now: services.now(),
  });
  return updated ?? linkedAccount;
}
