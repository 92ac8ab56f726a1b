import { getFieldMappings, putFieldMappings } from '../../db/queries/field-mappings';
import type { LinkedAccount, StoredFieldMapping } from '../../db/schema';
import type { CredentialValues } from '../../providers/definition';
import type { Flow, FormFields } from './flow';
import type { CoverageSession } from './session';

/** Sample values shown per field to the admin. */
const SAMPLES = 3;

/**
 * The link page's mapping step: the fields the environment declared mappable by the customer
 * (`customer_label`), with the credential's custom fields (and a few of their values) to pick from, and what
 * is picked now (the account's choice on a reconnect, else the environment's default). Null when there are none.
 */
export async function mappingStep(
  flow: Flow,
  credentials: CredentialValues,
): Promise<CoverageSession['mapping_step']> {
  const { services, linkToken, reconnectTarget } = flow;
  const { defaults, overrides } = await getFieldMappings(services.db, {
    environmentId: linkToken.environmentId,
    linkedAccountId: reconnectTarget?.id,
  });
  const mappable = (defaults?.mappings ?? []).filter((mapping) => mapping.customer_label !== undefined);
  if (mappable.length === 0) return null;
  const provider = await services.providers.hrisForCredentials(
    linkToken.integration,
    credentials,
    `link:${linkToken.id}`,
  );
  const remoteFields = await provider.listRemoteFields({ samples: SAMPLES, hideAbsenceDetails: false });
  const chosen = new Map(
    (overrides?.mappings ?? []).map((mapping) => [mapping.target, mapping.remote_field]),
  );
  return {
    fields: mappable.map((mapping) => ({
      target: mapping.target,
      label: mapping.customer_label!,
      current: chosen.has(mapping.target) ? chosen.get(mapping.target)! : mapping.remote_field,
    })),
    choices: remoteFields
      .filter((field) => field.custom)
      .map((field) => ({ key: field.key, label: field.label, samples: field.samples ?? [] })),
  };
}

/** The form field of one mappable target. */
export function mappingFieldName(target: string): string {
  return `map:${target}`;
}

/**
 * Stores the admin's picks as the account's own mappings, keeping its other mappings. A value that is not
 * one of the choices shown (a forged form) is ignored; "none" keeps the target unmapped for this account.
 */
export async function saveMappingChoices(
  flow: Flow,
  session: CoverageSession,
  form: FormFields,
  linkedAccount: LinkedAccount,
): Promise<void> {
  const step = session.mapping_step;
  if (!step) return;
  const { services } = flow;
  const keys = new Set(step.choices.map((choice) => choice.key));
  const { overrides } = await getFieldMappings(services.db, {
    environmentId: linkedAccount.environmentId,
    linkedAccountId: linkedAccount.id,
  });
  const targets = new Set(step.fields.map((field) => field.target));
  const mappings: StoredFieldMapping[] = (overrides?.mappings ?? []).filter(
    (mapping) => !targets.has(mapping.target),
  );
  for (const field of step.fields) {
    const picked = form[mappingFieldName(field.target)];
    if (picked === undefined || (picked !== '' && !keys.has(picked))) continue;
    mappings.push({ target: field.target, remote_field: picked === '' ? null : picked });
  }
  await putFieldMappings(services.db, {
    environmentId: linkedAccount.environmentId,
    scope: linkedAccount.id,
    mappings,
    now: services.now(),
  });
  services.lookups.forgetFieldMappings(linkedAccount.environmentId, linkedAccount.id);
}
