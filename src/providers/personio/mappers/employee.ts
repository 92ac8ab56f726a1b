import type { Employee, EmploymentStatus } from '../../../models/employee';
import {
  isAttribute,
  isRelation,
  isSupervisor,
  type PersonioAttribute,
  type PersonioEmployee,
} from '../schemas';
import { attributeValue, calendarDate, id, instant, number, text } from './values';

const EMPLOYMENT_STATUS: Record<string, EmploymentStatus> = {
  onboarding: 'pending',
  active: 'active',
  inactive: 'inactive',
  leave: 'leave',
};

const EMPLOYMENT_TYPE: Record<string, 'employee' | 'contractor'> = {
  internal: 'employee',
  external: 'contractor',
};

const GENDERS = new Set(['male', 'female', 'diverse']);

export function mapEmploymentStatus(value: unknown): EmploymentStatus | null {
  return typeof value === 'string' ? (EMPLOYMENT_STATUS[value.toLowerCase()] ?? null) : null;
}

export function displayName(
  first: string | null,
  last: string | null,
  preferred: string | null,
): string | null {
  if (preferred) return preferred;
  const full = [first, last].filter(Boolean).join(' ');
  return full === '' ? null : full;
}

function reference(value: unknown): { id: string; name: string | null } | null {
  if (!isRelation(value)) return null;
  const referenceId = id(value.attributes.id);
  return referenceId ? { id: referenceId, name: text(value.attributes.name) } : null;
}

function costCenters(value: unknown): Employee['cost_centers'] {
  if (!Array.isArray(value)) return null;
  const centers: NonNullable<Employee['cost_centers']> = [];
  for (const entry of value) {
    if (!isRelation(entry)) continue;
    const centerId = id(entry.attributes.id);
    if (!centerId) continue;
    centers.push({
      id: centerId,
      name: text(entry.attributes.name),
      percentage: number(entry.attributes.percentage),
    });
  }
  return centers;
}

function manager(value: unknown): Employee['manager'] {
  if (!isSupervisor(value)) return null;
  const supervisor = value.attributes;
  const managerId = id(attributeValue(supervisor, 'id'));
  if (!managerId) return null;
  return {
    id: managerId,
    display_name: displayName(
      text(attributeValue(supervisor, 'first_name')),
      text(attributeValue(supervisor, 'last_name')),
      text(attributeValue(supervisor, 'preferred_name')),
    ),
  };
}

/**
 * One pass over the attributes for what is not found by key: the custom (`dynamic_*`) ones, by their key
 * (labels are renamed and translated by admins; the key is stable, and the explorer gives its label); and
 * the attribute whose universal id is `date_of_birth` (usually a custom one), when there is no such key.
 */
function scanAttributes(attributes: Record<string, unknown>): {
  customFields: Record<string, unknown>;
  dateOfBirth: PersonioAttribute | undefined;
} {
  const customFields: Record<string, unknown> = {};
  let dateOfBirth = isAttribute(attributes.date_of_birth) ? attributes.date_of_birth : undefined;
  for (const key of Object.keys(attributes)) {
    const attribute = attributes[key];
    // Attributes the gateway does not read may be anything (the schema checks only the read ones).
    if (!isAttribute(attribute)) continue;
    if (!dateOfBirth && attribute.universal_id === 'date_of_birth') dateOfBirth = attribute;
    if (!key.startsWith('dynamic_')) continue;
    customFields[key] =
      typeof attribute.value === 'string' && attribute.value.trim() === '' ? null : (attribute.value ?? null);
  }
  return { customFields, dateOfBirth };
}

/**
 * Personio v1 employee → unified Employee. Pure: no I/O, no clock. An attribute the credential
 * may not read is absent from Personio's answer and becomes `null` here, like an empty one.
 */
export function mapEmployee(raw: PersonioEmployee, options: { includeRemoteData?: boolean } = {}): Employee {
  const attributes = raw.attributes;
  const value = (key: string) => attributeValue(attributes, key);
  const firstName = text(value('first_name'));
  const lastName = text(value('last_name'));
  const preferredName = text(value('preferred_name'));
  const gender = text(value('gender'))?.toLowerCase() ?? null;
  const scanned = scanAttributes(attributes);
  const employmentType = text(value('employment_type'))?.toLowerCase();

  const employee: Employee = {
    id: id(value('id')) ?? '',
    first_name: firstName,
    last_name: lastName,
    preferred_name: preferredName,
    display_name: displayName(firstName, lastName, preferredName),
    work_email: text(value('email')),
    employment_status: mapEmploymentStatus(value('status')),
    employment_type: employmentType ? (EMPLOYMENT_TYPE[employmentType] ?? null) : null,
    job_title: text(value('position')),
    department: reference(value('department')),
    team: reference(value('team')),
    work_location: reference(value('office')),
    legal_entity: reference(value('subcompany')),
    cost_centers: costCenters(value('cost_centers')),
    manager: manager(value('supervisor')),
    hire_date: calendarDate(value('hire_date')),
    termination_date: calendarDate(value('termination_date')),
    date_of_birth: calendarDate(scanned.dateOfBirth?.value),
    gender: gender && GENDERS.has(gender) ? (gender as Employee['gender']) : null,
    weekly_working_hours: number(value('weekly_working_hours')),
    avatar_url: text(value('profile_picture')),
    custom_fields: scanned.customFields,
    created_at: instant(value('created_at')),
    updated_at: instant(value('last_modified_at')),
  };
  if (options.includeRemoteData) employee.remote_data = raw as Record<string, unknown>;
  return employee;
}
