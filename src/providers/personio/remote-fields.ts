import type { RemoteField } from '../types';
import type { PersonioClient } from './client';
import { AttributeListSchema, EmployeeListSchema, isRelation } from './schemas';

/** Records read for sample values: one upstream page, enough to show what a field holds. */
const SAMPLE_RECORDS = 50;
const SAMPLE_LENGTH = 100;
/** Attributes that reveal absences: no samples while the account hides absence details. */
const ABSENCE_ATTRIBUTES = new Set(['absence_entitlement', 'vacation_day_balance', 'last_working_day']);

/**
 * Personio's attributes endpoint lists exactly what the credential may read. Samples are never taken of pay
 * (attributes with a currency, salaries) or of the profile picture, whoever asks.
 */
export async function listRemoteFields(
  client: PersonioClient,
  options: { samples: number; hideAbsenceDetails: boolean },
): Promise<RemoteField[]> {
  const definitions = (await client.get('/company/employees/attributes', [], AttributeListSchema))!.data;
  const fields: RemoteField[] = definitions.map((definition) => {
    const described = definition as { label?: unknown; type?: unknown; options?: unknown };
    return {
      key: definition.key,
      label: typeof described.label === 'string' ? described.label : null,
      type: typeof described.type === 'string' ? described.type : null,
      options: Array.isArray(described.options)
        ? described.options.filter((option): option is string => typeof option === 'string')
        : [],
      custom: definition.key.startsWith('dynamic_'),
    };
  });
  if (options.samples <= 0) return fields;
  const page = await client.get(
    '/company/employees',
    [
      ['limit', String(SAMPLE_RECORDS)],
      ['offset', '0'],
    ],
    EmployeeListSchema,
  );
  const samples = new Map<string, Set<string>>();
  const withheld = new Set<string>(['profile_picture']);
  if (options.hideAbsenceDetails) for (const key of ABSENCE_ATTRIBUTES) withheld.add(key);
  for (const record of page!.data) {
    for (const [key, attribute] of Object.entries(record.attributes)) {
      if (withheld.has(key) || typeof attribute !== 'object' || attribute === null) continue;
      if ('currency' in attribute) {
        withheld.add(key);
        continue;
      }
      const value = sampleText((attribute as { value?: unknown }).value);
      if (value === null) continue;
      const values = samples.get(key) ?? new Set<string>();
      if (values.size < options.samples) values.add(value);
      samples.set(key, values);
    }
  }
  return fields.map((field) => ({
    ...field,
    samples: withheld.has(field.key) ? [] : [...(samples.get(field.key) ?? [])],
  }));
}

/** A value as an admin would recognise it: text and numbers as they are, relations by name. */
function sampleText(value: unknown): string | null {
  if (typeof value === 'string') {
    const trimmed = value.trim();
    return trimmed === '' ? null : trimmed.slice(0, SAMPLE_LENGTH);
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (isRelation(value)) return sampleText(value.attributes.name);
  if (Array.isArray(value)) {
    const names = value.map(sampleText).filter((name): name is string => name !== null);
    return names.length > 0 ? names.join(', ').slice(0, SAMPLE_LENGTH) : null;
  }
  return null;
}
