import type { Services } from '../context';
import { getFieldMappings } from '../db/queries/field-mappings';
import type { FieldCoverage, LinkedAccount, StoredFieldMapping } from '../db/schema';
import type { Employee } from '../models/employee';
import { CUSTOM_TARGET, MAPPABLE_FIELDS, type MappableField } from '../models/field-mapping';
import type { EmployeeFields } from '../providers/types';

/**
 * Field mappings are applied over the unified record the provider mapped (live, from the synced copy, in
 * events, and to write results), reading the remote field from `custom_fields` where the provider keeps every
 * custom field by its key. The synced copy stays unmapped, so a mapping change rewrites nothing and announces
 * nothing: the next read, event or write uses the mappings of that moment.
 */
export interface EffectiveMapping extends StoredFieldMapping {
  remote_field: string;
  source: 'environment' | 'linked_account';
}

/** The account's mappings over the environment's, by target; an account's `remote_field: null` drops a default. */
export function mergeMappings(
  defaults: readonly StoredFieldMapping[],
  overrides: readonly StoredFieldMapping[],
): EffectiveMapping[] {
  const byTarget = new Map<string, EffectiveMapping | null>();
  for (const { customer_label: _shownOnLinkPage, ...mapping } of defaults) {
    if (mapping.remote_field !== null) {
      byTarget.set(mapping.target, { ...mapping, remote_field: mapping.remote_field, source: 'environment' });
    }
  }
  for (const mapping of overrides) {
    byTarget.set(
      mapping.target,
      mapping.remote_field === null
        ? null
        : { ...mapping, remote_field: mapping.remote_field, source: 'linked_account' },
    );
  }
  return [...byTarget.values()].filter((mapping): mapping is EffectiveMapping => mapping !== null);
}

/**
 * With `lookups` (requests), cached like the account itself for `AUTH_CACHE_TTL_MS`, so what the caches can
 * answer needs no query; without (sync passes), read fresh.
 */
export async function loadEffectiveMappings(
  services: Pick<Services, 'db'> & Partial<Pick<Services, 'lookups'>>,
  linkedAccount: Pick<LinkedAccount, 'environmentId' | 'id'>,
): Promise<EffectiveMapping[]> {
  if (services.lookups) {
    const cached = await services.lookups.accountFieldMappings(linkedAccount.environmentId, linkedAccount.id);
    return mergeMappings(cached.defaults, cached.overrides);
  }
  const { defaults, overrides } = await getFieldMappings(services.db, {
    environmentId: linkedAccount.environmentId,
    linkedAccountId: linkedAccount.id,
  });
  return mergeMappings(defaults?.mappings ?? [], overrides?.mappings ?? []);
}

/** The employee as the mappings present it. Pure; the record passed in is not changed. */
export function applyFieldMappings<Unified extends Employee>(
  employee: Unified,
  mappings: readonly StoredFieldMapping[],
): Unified {
  const active = mappings.filter((mapping) => mapping.remote_field !== null);
  if (active.length === 0) return employee;
  const source = employee.custom_fields ?? {};
  const mapped: Unified = { ...employee, custom_fields: { ...source } };
  let names = false;
  for (const mapping of active) {
    // A custom field the credential cannot read is absent: the target is null, as for any unreadable field.
    const raw = Object.hasOwn(source, mapping.remote_field!) ? source[mapping.remote_field!] : null;
    const custom = CUSTOM_TARGET.exec(mapping.target);
    if (custom) {
      mapped.custom_fields[custom[1]!] = mapping.transform ? transformed(raw, mapping, null) : raw;
      continue;
    }
    const field = mapping.target as MappableField;
    (mapped as unknown as Record<string, unknown>)[field] = transformed(raw, mapping, field);
    if (field === 'first_name' || field === 'last_name' || field === 'preferred_name') names = true;
  }
  if (names) {
    const full = [mapped.first_name, mapped.last_name].filter(Boolean).join(' ');
    mapped.display_name = mapped.preferred_name || (full === '' ? null : full);
  }
  return mapped;
}

/** One remote value through the mapping's transform, then made to fit the target (or null). */
export function transformed(raw: unknown, mapping: StoredFieldMapping, field: MappableField | null): unknown {
  const transform = mapping.transform ?? {};
  let value: unknown = raw;
  if (typeof value === 'number' && field !== 'weekly_working_hours') value = String(value);
  if (typeof value === 'string') {
    if (transform.trim) value = (value as string).trim();
    if (transform.value_map && Object.hasOwn(transform.value_map, value as string)) {
      value = transform.value_map[value as string];
    }
    if (typeof value === 'string' && transform.date_format) value = parseDate(value, transform.date_format);
  }
  if (field === null) return value === '' ? null : (value ?? null);
  const target = MAPPABLE_FIELDS[field];
  switch (target.kind) {
    case 'text':
      return typeof value === 'string' && value.trim() !== '' ? value : null;
    case 'date':
      return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value) && validDate(value.slice(0, 10))
        ? value.slice(0, 10)
        : null;
    case 'enum': {
      const text = typeof value === 'string' ? value.trim().toLowerCase() : null;
      return text !== null && (target.values as readonly string[]).includes(text) ? text : null;
    }
    case 'number': {
      const number = typeof value === 'string' ? Number(value.trim().replace(',', '.')) : value;
      return typeof number === 'number' &&
        Number.isFinite(number) &&
        !(typeof value === 'string' && value.trim() === '')
        ? number
        : null;
    }
  }
}

/** `DD.MM.YYYY` and the like → `YYYY-MM-DD`, or null when the text does not follow the format. */
function parseDate(text: string, format: string): string | null {
  const tokens = format.match(/YYYY|MM|M|DD|D|./g) ?? [];
  let pattern = '';
  const order: ('y' | 'm' | 'd')[] = [];
  for (const token of tokens) {
    if (token === 'YYYY') {
      pattern += '(\\d{4})';
      order.push('y');
    } else if (token === 'MM' || token === 'DD') {
      pattern += '(\\d{2})';
      order.push(token === 'MM' ? 'm' : 'd');
    } else if (token === 'M' || token === 'D') {
      pattern += '(\\d{1,2})';
      order.push(token === 'M' ? 'm' : 'd');
    } else pattern += token.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  const match = new RegExp(`^${pattern}$`).exec(text.trim());
  if (!match) return null;
  const parts = { y: '', m: '', d: '' };
  for (const [index, part] of order.entries()) parts[part] = match[index + 1]!.padStart(2, '0');
  const date = `${parts.y}-${parts.m}-${parts.d}`;
  return validDate(date) ? date : null;
}

function validDate(date: string): boolean {
  const parsed = new Date(`${date}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === date;
}

/** `YYYY-MM-DD` → the mapping's date format, for writes. */
function formatDate(date: string, format: string): string {
  const [year, month, day] = date.split('-') as [string, string, string];
  return (format.match(/YYYY|MM|M|DD|D|./g) ?? [])
    .map((token) =>
      token === 'YYYY'
        ? year
        : token === 'MM'
          ? month
          : token === 'M'
            ? String(Number(month))
            : token === 'DD'
              ? day
              : token === 'D'
                ? String(Number(day))
                : token,
    )
    .join('');
}

/** Unified fields a write can carry, by their name in `EmployeeFields`. */
const WRITABLE: Partial<Record<MappableField, keyof EmployeeFields | 'workEmail'>> = {
  first_name: 'firstName',
  last_name: 'lastName',
  preferred_name: 'preferredName',
  work_email: 'workEmail',
  job_title: 'jobTitle',
  hire_date: 'hireDate',
  gender: 'gender',
  weekly_working_hours: 'weeklyWorkingHours',
  employment_status: 'employmentStatus',
};

/**
 * A write in the mappings' terms: a mapped field is written to its remote field instead (values mapped back
 * through `value_map` and `date_format`), and `custom_fields.<key>` of a mapped key goes to its remote field.
 * `work_email` on create still goes to the provider's own address too, which the provider requires.
 */
export function mappedWrite<Fields extends EmployeeFields & { workEmail?: string }>(
  fields: Fields,
  mappings: readonly EffectiveMapping[],
  options: { create: boolean },
): Fields {
  if (mappings.length === 0) return fields;
  const written: Fields = { ...fields };
  const custom: Record<string, string> = { ...(fields.customFields ?? {}) };
  let changed = false;
  for (const mapping of mappings) {
    const customKey = CUSTOM_TARGET.exec(mapping.target)?.[1];
    if (customKey !== undefined) {
      if (!Object.hasOwn(custom, customKey)) continue;
      const value = custom[customKey]!;
      delete custom[customKey];
      custom[mapping.remote_field] = backward(value, mapping);
      changed = true;
      continue;
    }
    const name = WRITABLE[mapping.target as MappableField];
    if (!name) continue;
    const value = (fields as Record<string, unknown>)[name];
    if (value === undefined || value === null) continue;
    if (!(options.create && name === 'workEmail')) delete (written as Record<string, unknown>)[name];
    custom[mapping.remote_field] = backward(String(value), mapping);
    changed = true;
  }
  return changed ? { ...written, customFields: custom } : written;
}

function backward(value: string, mapping: StoredFieldMapping): string {
  const transform = mapping.transform ?? {};
  let remote = value;
  if (transform.date_format && /^\d{4}-\d{2}-\d{2}$/.test(remote))
    remote = formatDate(remote, transform.date_format);
  if (transform.value_map) {
    const from = Object.entries(transform.value_map).filter(([, unified]) => unified === remote);
    if (from.length === 1) remote = from[0]![0];
  }
  return remote;
}

/**
 * Field coverage with the mappings: a mapping whose remote field the credential could not read (when last
 * checked) makes its target unavailable, naming that field. The stored list of readable fields is internal.
 */
export function coverageWithMappings(
  coverage: FieldCoverage | null,
  mappings: readonly EffectiveMapping[],
): FieldCoverage | null {
  if (!coverage) return coverage;
  const { readable_remote_fields: readable, ...visible } = coverage;
  if (!readable || mappings.length === 0) return visible;
  const readableSet = new Set(readable);
  const unreadable = mappings.filter((mapping) => !readableSet.has(mapping.remote_field));
  if (unreadable.length === 0) return visible;
  const targets = new Set(unreadable.map((mapping) => mapping.target));
  return {
    ...visible,
    available: visible.available.filter((field) => !targets.has(field)),
    unavailable: [
      ...visible.unavailable.filter((entry) => !targets.has(entry.field)),
      ...unreadable.map((mapping) => ({ field: mapping.target, remote_fields: [mapping.remote_field] })),
    ],
  };
}

/** Whether the credential could read each mapping's remote field at the last check; null when not recorded. */
export function mappingReadable(coverage: FieldCoverage | null, remoteField: string): boolean | null {
  const readable = coverage?.readable_remote_fields;
  return readable ? readable.includes(remoteField) : null;
}
