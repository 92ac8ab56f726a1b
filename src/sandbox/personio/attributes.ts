import { type NamedEntity, SHIRT_SIZES } from './company-data';
import type { EmployeeIdentity, SeededEmployee } from './seed';

/** Personio's attribute `type` enum (spec `TypeEnum`). */
export type AttributeType =
  | 'standard'
  | 'date'
  | 'integer'
  | 'decimal'
  | 'list'
  | 'link'
  | 'tags'
  | 'multiline';

/** One entry of an employee's `attributes` map. */
export interface AttributeObject {
  label: string;
  value: unknown;
  type: AttributeType;
  universal_id: string | null;
  currency?: string;
}

/** One entry of `GET /company/employees/attributes`. */
export interface AttributeDescription {
  key: string;
  label: string;
  type: AttributeType;
  universal_id: string | null;
  options: string[];
}

/** Whether the calling credential may read an attribute key (its whitelist). */
export type CanRead = (key: string) => boolean;

interface AttributeDefinition<Source> {
  key: string;
  label: string;
  type: AttributeType;
  universalId: string | null;
  options?: readonly string[];
  currency?: string;
  read(source: Source, canRead: CanRead): unknown;
}

/** `id` is readable by every credential; everything else must be whitelisted. */
export function attributeAccess(whitelist: readonly string[] | undefined): CanRead {
  if (whitelist === undefined) return () => true;
  const readable = new Set([...whitelist, 'id']);
  return (key) => readable.has(key);
}

// Labels, types and universal ids mirror the employee example of the official v1 spec.
const standard = <Source>(
  key: string,
  label: string,
  read: (source: Source, canRead: CanRead) => unknown,
  type: AttributeType = 'standard',
): AttributeDefinition<Source> => ({ key, label, type, universalId: key, read });

const identityAttributes = {
  id: standard<EmployeeIdentity>('id', 'ID', (e) => e.id, 'integer'),
  first_name: standard<EmployeeIdentity>('first_name', 'First name', (e) => e.firstName),
  last_name: standard<EmployeeIdentity>('last_name', 'Last name', (e) => e.lastName),
  email: standard<EmployeeIdentity>('email', 'Email', (e) => e.email),
};

/** Relations are nested typed objects: `{ type: "Department", attributes: { id, name } }`. */
const relation = (type: string, entity: NamedEntity) => ({
  type,
  attributes: { id: entity.id, name: entity.name },
});

const date = (key: string, label: string, read: (e: SeededEmployee) => string | null) =>
  standard<SeededEmployee>(key, label, read, 'date');

const salary = (
  key: string,
  label: string,
  read: (e: SeededEmployee) => number,
): AttributeDefinition<SeededEmployee> => ({
  ...standard<SeededEmployee>(key, label, read, 'decimal'),
  currency: 'EUR',
});

const EMPLOYEE_ATTRIBUTES: readonly AttributeDefinition<SeededEmployee>[] = [
  identityAttributes.id,
  identityAttributes.first_name,
  identityAttributes.last_name,
  standard('preferred_name', 'Name (preferred)', (e) => e.preferredName),
  identityAttributes.email,
  standard('gender', 'Gender', (e) => e.gender),
  standard('status', 'Status', (e) => e.status),
  standard('position', 'Position', (e) => e.position),
  // UNCONFIRMED: an employee without supervisor gets `value: null`, the way the spec example renders every
  // other unset attribute (contract_end_date, termination_type, ...).
  standard('supervisor', 'Supervisor', (e, canRead) =>
    e.supervisor ? { type: 'Employee', attributes: supervisorAttributes(e.supervisor, canRead) } : null,
  ),
  standard('employment_type', 'Employment type', (e) => e.employmentType),
  standard('weekly_working_hours', 'Weekly hours', (e) => e.weeklyWorkingHours),
  date('hire_date', 'Hire date', (e) => e.hireDate),
  // Unset dates are `value: null` in the spec example (contract_end_date, termination_date, last_working_day).
  date('contract_end_date', 'Contract ends', (e) => e.contractEndDate),
  date('termination_date', 'Termination date', (e) => e.terminationDate),
  standard('termination_type', 'Termination type', (e) => e.terminationType),
  standard('termination_reason', 'Termination reason', (e) => e.terminationReason),
  date('probation_period_end', 'Probation period end', (e) => e.probationPeriodEnd),
  // The spec example really labels this one "created_at".
  date('created_at', 'created_at', (e) => e.createdAt),
  date('last_modified_at', 'Last modified', (e) => e.lastModifiedAt),
  standard('subcompany', 'Subcompany', (e) => relation('Subcompany', e.subcompany)),
  standard('office', 'Office', (e) => relation('Office', e.office)),
  standard('department', 'Department', (e) => relation('Department', e.department)),
  standard('cost_centers', 'Cost center', (e) =>
    e.costCenters.map(({ costCenter, percentage }) => ({
      type: 'CostCenter',
      attributes: { id: costCenter.id, name: costCenter.name, percentage },
    })),
  ),
  standard('holiday_calendar', 'Public holidays', ({ office: { holidayCalendar: calendar } }) => ({
    type: 'HolidayCalendar',
    attributes: { id: calendar.id, name: calendar.name, country: calendar.country, state: calendar.state },
  })),
  salary('fix_salary', 'Fix salary', (e) => e.fixSalary),
  standard('fix_salary_interval', 'Salary interval', (e) => e.fixSalaryInterval),
  salary('hourly_salary', 'Hourly salary', (e) => e.hourlySalary),
  date('last_working_day', 'Last day of work', (e) => e.lastWorkingDay),
  standard('profile_picture', 'Profile Picture', (e) => e.profilePicture),
  standard('team', 'Team', (e) => relation('Team', e.team)),
  // Custom attributes: `dynamic_<id>` keys, universal_id only where the admin assigned a global name.
  {
    key: 'dynamic_1001',
    label: 'Shirt size',
    type: 'list',
    universalId: null,
    options: SHIRT_SIZES,
    read: (e) => e.shirtSize,
  },
  {
    key: 'dynamic_1002',
    label: 'Date of birth',
    type: 'date',
    universalId: 'date_of_birth',
    read: (e) => e.dateOfBirth,
  },
  {
    key: 'dynamic_1003',
    label: 'Emergency contact',
    type: 'standard',
    universalId: null,
    read: (e) => e.emergencyContact,
  },
  {
    key: 'dynamic_1004',
    label: 'Business email',
    type: 'standard',
    universalId: null,
    read: (e) => e.businessEmail,
  },
];

function toAttributeObject<Source>(
  definition: AttributeDefinition<Source>,
  source: Source,
  canRead: CanRead,
): AttributeObject {
  const attribute: AttributeObject = {
    label: definition.label,
    value: definition.read(source, canRead),
    type: definition.type,
    universal_id: definition.universalId,
  };
  if (definition.currency !== undefined) attribute.currency = definition.currency;
  return attribute;
}

/** The nested supervisor only carries what the credential may read, like top-level attributes. */
function supervisorAttributes(
  supervisor: EmployeeIdentity,
  canRead: CanRead,
): Record<string, AttributeObject> {
  const attributes: Record<string, AttributeObject> = {};
  for (const definition of Object.values(identityAttributes)) {
    if (canRead(definition.key))
      attributes[definition.key] = toAttributeObject(definition, supervisor, canRead);
  }
  return attributes;
}

/**
 * Renders an employee's `attributes` map. Attributes the credential may not read are absent (no null
 * placeholder); `projection` (from `attributes[]`) narrows further but never drops `id`.
 */
export function renderEmployeeAttributes(
  employee: SeededEmployee,
  canRead: CanRead,
  projection?: ReadonlySet<string>,
): Record<string, AttributeObject> {
  const attributes: Record<string, AttributeObject> = {};
  for (const definition of EMPLOYEE_ATTRIBUTES) {
    if (!canRead(definition.key)) continue;
    if (projection && definition.key !== 'id' && !projection.has(definition.key)) continue;
    attributes[definition.key] = toAttributeObject(definition, employee, canRead);
  }
  return attributes;
}

/** Mirrors the spec example of `/company/employees/attributes`, which sends `options: []` for non-list types. */
export function describeReadableAttributes(canRead: CanRead): AttributeDescription[] {
  return EMPLOYEE_ATTRIBUTES.filter((definition) => canRead(definition.key)).map((definition) => ({
    key: definition.key,
    label: definition.label,
    type: definition.type,
    universal_id: definition.universalId,
    options: [...(definition.options ?? [])],
  }));
}
