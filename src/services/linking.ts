import type { Services } from '../context';
import { randomBase62 } from '../crypto/random';
import { createLinkedAccount } from '../db/queries/linked-accounts';
import type { FieldCoverage, Integration, LinkedAccount } from '../db/schema';
import { encryptCredentials } from '../providers/factory';
import type { PersonioCredentials } from '../providers/personio/client';
import { employeeFieldCoverage } from '../providers/personio/mappers/coverage';
import { AttributeListSchema, EmployeeListSchema } from '../providers/personio/schemas';

/**
 * Checks Personio credentials live: a token exchange, one employee, and the attribute list that
 * says what the credential may read. Throws `provider_unauthorized` when Personio refuses them.
 */
export async function validatePersonioCredentials(
  services: Services,
  integration: Integration,
  credentials: PersonioCredentials,
): Promise<FieldCoverage> {
  const probeKey = randomBase62(16);
  const client = services.providers.clientForCredentials(integration, credentials, probeKey);
  try {
    await client.get('/company/employees', [['limit', '1']], EmployeeListSchema);
    const attributes = await client.get('/company/employees/attributes', [], AttributeListSchema);
    return employeeFieldCoverage(attributes!.data, services.now());
  } finally {
    await services.tokens.forget(`unlinked:${probeKey}`);
  }
}

export interface LinkPersonioInput {
  environmentId: string;
  integration: Integration;
  credentials: PersonioCredentials;
  originId: string;
  organizationName?: string | null;
  email?: string | null;
}

/** Validates the credentials, then stores the linked account with them encrypted and its field coverage. */
export async function linkPersonioAccount(
  services: Services,
  input: LinkPersonioInput,
): Promise<LinkedAccount> {
  const fieldCoverage = await validatePersonioCredentials(services, input.integration, input.credentials);
  const sealed = await encryptCredentials(services.secretBox, input.credentials);
  return createLinkedAccount(services.db, {
    environmentId: input.environmentId,
    integration: input.integration,
    originId: input.originId,
    organizationName: input.organizationName ?? null,
    email: input.email ?? null,
    ...sealed,
    fieldCoverage,
  });
}
