import { z } from '@hono/zod-openapi';
import type { Services } from '../../context';
import { ENVIRONMENT_SCOPE, getFieldMappings, listFieldMappings } from '../../db/queries/field-mappings';
import type { LinkedAccount, StoredFieldMapping } from '../../db/schema';
import { ApiError } from '../../errors';
import { LinkedAccountFieldMappingsSchema } from '../../models/field-mapping';
import { toLinkedAccountResource } from '../../models/linked-account';
import {
  coverageWithMappings,
  loadEffectiveMappings,
  mappingReadable,
  mergeMappings,
} from '../../services/field-mappings';
import { readRemoteFields } from './remote-fields';

export const LinkedAccountFieldMappingsResult = z
  .object({ result: LinkedAccountFieldMappingsSchema })
  .openapi('LinkedAccountFieldMappingsResult');

/** The account's own mappings, and what applies once the environment's are under them. */
export async function accountMappingsResource(services: Services, linkedAccount: LinkedAccount) {
  const { defaults, overrides } = await getFieldMappings(services.db, {
    environmentId: linkedAccount.environmentId,
    linkedAccountId: linkedAccount.id,
  });
  const effective = mergeMappings(defaults?.mappings ?? [], overrides?.mappings ?? []);
  return {
    mappings: overrides?.mappings ?? [],
    updated_at: overrides?.updatedAt.toISOString() ?? null,
    effective: effective.map((mapping) => ({
      ...mapping,
      readable: mappingReadable(linkedAccount.fieldCoverage, mapping.remote_field),
    })),
  };
}

/**
 * An account's mappings must name custom fields its credential can read now (asked live): a typo or a field
 * of another company is a `400` naming the mapping, not a target that silently stays `null`.
 */
export async function checkAgainstRemoteFields(
  services: Services,
  linkedAccount: LinkedAccount,
  mappings: readonly StoredFieldMapping[],
): Promise<void> {
  if (!mappings.some((mapping) => mapping.remote_field !== null)) return;
  const fields = new Map(
    (await readRemoteFields(services, linkedAccount, 0)).map((field) => [field.key, field]),
  );
  for (const [index, mapping] of mappings.entries()) {
    if (mapping.remote_field === null) continue;
    const field = fields.get(mapping.remote_field);
    const message = !field
      ? "is not a field this account's credential can read (see GET /linked-accounts/{id}/remote-fields)"
      : !field.custom
        ? 'is a standard field, which the provider already maps; mappings read custom fields (`custom: true`)'
        : null;
    if (message) {
      throw new ApiError(
        'invalid_request',
        `Invalid mapping \`mappings.${index}.remote_field\`: ${message}`,
        {
          details: [{ field: `mappings.${index}.remote_field`, message }],
        },
      );
    }
  }
}

/** The account as the API shows it, its field coverage including the effective mappings. */
export async function linkedAccountResource(services: Services, linkedAccount: LinkedAccount) {
  const resource = toLinkedAccountResource(linkedAccount);
  const mappings = await loadEffectiveMappings(services, linkedAccount);
  return { ...resource, field_coverage: coverageWithMappings(linkedAccount.fieldCoverage, mappings) };
}

/** A page of accounts as the API shows them: one query for the environment's mappings. */
export async function linkedAccountResources(
  services: Services,
  environmentId: string,
  linkedAccounts: LinkedAccount[],
) {
  const rows = linkedAccounts.length > 0 ? await listFieldMappings(services.db, { environmentId }) : [];
  const defaults = rows.find((row) => row.scope === ENVIRONMENT_SCOPE)?.mappings ?? [];
  return linkedAccounts.map((linkedAccount) => {
    const overrides = rows.find((row) => row.scope === linkedAccount.id)?.mappings ?? [];
    return {
      ...toLinkedAccountResource(linkedAccount),
      field_coverage: coverageWithMappings(linkedAccount.fieldCoverage, mergeMappings(defaults, overrides)),
    };
  });
}
