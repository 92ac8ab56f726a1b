import type { FieldCoverage } from '../../../db/schema';
import { EMPLOYEE_FIELD_SOURCES } from '../../../models/employee';
import type { PersonioAttributeDefinition } from '../schemas';

/**
 * Which unified Employee fields a credential can fill, from Personio's attributes endpoint
 * (it lists exactly what the credential may read). A field is covered when any of its
 * source attributes is readable; otherwise the note names the attributes to whitelist.
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
  const available: string[] = [];
  const unavailable: FieldCoverage['unavailable'] = [];
  for (const [field, sources] of Object.entries(EMPLOYEE_FIELD_SOURCES)) {
    if (sources.some((source) => readable.has(source))) available.push(field);
    else unavailable.push({ field, personio_attributes: sources });
  }
  return { checked_at: checkedAt.toISOString(), available, unavailable };
}
