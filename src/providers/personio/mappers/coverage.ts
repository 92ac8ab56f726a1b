import type { FieldCoverage } from '../../../db/schema';
import { fieldCoverage } from '../../coverage';
import type { PersonioAttributeDefinition } from '../schemas';
import { PERSONIO_FIELD_SOURCES } from './field-sources';

/**
 * Which unified Employee fields a credential can fill, from Personio's attributes endpoint
 * (it lists exactly what the credential may read).
 */
export function employeeFieldCoverage(
  definitions: PersonioAttributeDefinition[],
  checkedAt: Date,
): FieldCoverage {
  const readable = new Set<string>();
  for (const definition of definitions) {
    readable.add(definition.key);
    if (definition.universal_id) readable.add(definition.universal_id);
  }
  return fieldCoverage(PERSONIO_FIELD_SOURCES, readable, checkedAt);
}
