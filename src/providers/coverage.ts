import type { FieldCoverage } from '../db/schema';

/**
 * Which unified Employee fields a credential can fill: a field is covered when any of the provider fields
 * that fill it is readable; otherwise `remote_fields` names what to grant.
 */
export function fieldCoverage(
  fieldSources: Readonly<Record<string, readonly string[]>>,
  readable: ReadonlySet<string>,
  checkedAt: Date,
): FieldCoverage {
  const available: string[] = [];
  const unavailable: FieldCoverage['unavailable'] = [];
  for (const [field, sources] of Object.entries(fieldSources)) {
    if (sources.some((source) => readable.has(source))) available.push(field);
    else unavailable.push({ field, remote_fields: [...sources] });
  }
  return {
    checked_at: checkedAt.toISOString(),
    available,
    unavailable,
    readable_remote_fields: [...readable].sort(),
  };
}
