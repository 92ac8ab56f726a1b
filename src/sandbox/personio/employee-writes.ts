import type { Context, Hono } from 'hono';
import type { SandboxEnv } from './auth';
import { DEPARTMENTS, type NamedEntity, OFFICES, SHIRT_SIZES } from './company-data';
import type { ChangingDirectory, EmployeeChanges } from './directory-changes';
import { personioError } from './errors';
import type { EmployeeStatus, Gender } from './seed';

/**
 * `POST /company/employees` and `PATCH /company/employees/{id}` as the v1 spec describes them: a JSON body
 * `{ employee: {…} }` or the form `employee[field]=…`; department, office and subcompany by name (an unknown
 * name is ignored with a `meta` warning); `supervisor_id` must name another existing employee; email is
 * required on create and cannot be changed. Refusals are 422 with Personio's v1 error envelope.
 */

const GENDERS: readonly Gender[] = ['male', 'female', 'diverse'];
const STATUSES: readonly EmployeeStatus[] = ['onboarding', 'active', 'leave', 'inactive'];
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const SUBCOMPANIES: readonly NamedEntity[] = [
  ...new Map(OFFICES.map((office) => [office.subcompany.id, office.subcompany])).values(),
];

class Refusal extends Error {}

type Fields = Record<string, unknown>;

/** The `employee` object of a JSON body, or the `employee[…]` members of a form. */
async function readEmployeeFields(c: Context): Promise<Fields> {
  const contentType = c.req.header('content-type') ?? '';
  if (
    contentType.includes('application/x-www-form-urlencoded') ||
    contentType.includes('multipart/form-data')
  ) {
    const form = await c.req.parseBody();
    const fields: Fields = {};
    const custom: Fields = {};
    for (const [name, value] of Object.entries(form)) {
      const member = /^employee\[([a-z_]+)\](?:\[([a-z0-9_]+)\])?$/.exec(name);
      if (!member) continue;
      if (member[1] === 'custom_attributes' && member[2]) custom[member[2]] = value;
      else if (!member[2]) fields[member[1]!] = value;
    }
    if (Object.keys(custom).length > 0) fields.custom_attributes = custom;
    return fields;
  }
  const body: unknown = await c.req.json().catch(() => null);
  const employee = (body as { employee?: unknown } | null)?.employee;
  if (employee === null || typeof employee !== 'object' || Array.isArray(employee)) {
    throw new Refusal('The employee field is required.');
  }
  return employee as Fields;
}

function text(fields: Fields, name: string, max = 200): string | undefined {
  const value = fields[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length > max) throw new Refusal(`The ${name} must be a string.`);
  return value.trim();
}

function parseChanges(
  fields: Fields,
  directory: ChangingDirectory,
  selfId: number | null,
): { changes: EmployeeChanges; meta: string[] } {
  const meta: string[] = [];
  const changes: EmployeeChanges = {};
  const firstName = text(fields, 'first_name');
  const lastName = text(fields, 'last_name');
  if (firstName === '') throw new Refusal('The first name field is required.');
  if (lastName === '') throw new Refusal('The last name field is required.');
  if (firstName !== undefined) changes.firstName = firstName;
  if (lastName !== undefined) changes.lastName = lastName;
  const preferredName = text(fields, 'preferred_name');
  if (preferredName !== undefined) changes.preferredName = preferredName;
  const position = text(fields, 'position');
  if (position !== undefined) changes.position = position;
  const gender = text(fields, 'gender');
  if (gender !== undefined) {
    if (!GENDERS.includes(gender as Gender)) throw new Refusal('The selected gender is invalid.');
    changes.gender = gender as Gender;
  }
  const status = text(fields, 'status');
  if (status !== undefined) {
    if (!STATUSES.includes(status as EmployeeStatus)) throw new Refusal('The selected status is invalid.');
    changes.status = status as EmployeeStatus;
  }
  const hireDate = text(fields, 'hire_date');
  if (hireDate !== undefined) {
    if (!DATE.test(hireDate) || Number.isNaN(Date.parse(`${hireDate}T00:00:00Z`))) {
      throw new Refusal('The hire date does not match the format Y-m-d.');
    }
    changes.hireDate = hireDate;
  }
  const hours = fields.weekly_working_hours;
  if (hours !== undefined && hours !== null) {
    const value = typeof hours === 'string' ? Number(hours) : hours;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 168) {
      throw new Refusal('The weekly working hours must be a number between 0 and 168.');
    }
    changes.weeklyWorkingHours = String(value);
  }
  const named = <Entity extends NamedEntity>(field: string, entities: readonly Entity[]) => {
    const name = text(fields, field);
    if (name === undefined) return undefined;
    const entity = entities.find((candidate) => candidate.name.toLowerCase() === name.toLowerCase());
    if (!entity) meta.push(`The ${field} "${name}" does not exist and was ignored.`);
    return entity;
  };
  const department = named('department', DEPARTMENTS);
  if (department) changes.department = department;
  const office = named('office', OFFICES);
  if (office) changes.office = office;
  const subcompany = named('subcompany', SUBCOMPANIES);
  if (subcompany) changes.subcompany = subcompany;
  if ('supervisor_id' in fields) {
    const raw = fields.supervisor_id;
    if (raw === null) {
      if (selfId === null) throw new Refusal('Supervisor with ID null not found');
      changes.supervisor = null;
    } else {
      const supervisorId = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
      const index = typeof supervisorId === 'number' ? directory.indexOfId(supervisorId) : undefined;
      if (index === undefined) throw new Refusal(`Supervisor with ID ${String(raw)} not found`);
      if (supervisorId === selfId) throw new Refusal('An employee cannot be their own supervisor.');
      const supervisor = directory.employeeAt(index);
      changes.supervisor = {
        id: supervisor.id,
        firstName: supervisor.firstName,
        lastName: supervisor.lastName,
        email: supervisor.email,
        gender: supervisor.gender,
      };
    }
  }
  const custom = fields.custom_attributes;
  if (custom !== undefined && custom !== null) {
    if (typeof custom !== 'object' || Array.isArray(custom)) {
      throw new Refusal('The custom attributes must be an object.');
    }
    for (const [key, value] of Object.entries(custom as Fields)) {
      if (typeof value !== 'string') throw new Refusal(`The ${key} must be a string.`);
      if (key === 'dynamic_1001') {
        if (value !== '' && !(SHIRT_SIZES as readonly string[]).includes(value)) {
          throw new Refusal(`The selected ${key} is invalid.`);
        }
        changes.shirtSize = value;
      } else if (key === 'dynamic_1002') {
        if (value !== '' && !DATE.test(value))
          throw new Refusal(`The ${key} does not match the format Y-m-d.`);
        changes.dateOfBirth = value;
      } else if (key === 'dynamic_1003') {
        changes.emergencyContact = value;
      } else if (key === 'dynamic_1004') {
        changes.businessEmail = value;
      } else {
        meta.push(`The custom attribute ${key} does not exist and was ignored.`);
      }
    }
  }
  return { changes, meta };
}

export function registerEmployeeWriteRoutes(v1: Hono<SandboxEnv>, directory: ChangingDirectory): void {
  v1.post('/company/employees', async (c) => {
    try {
      const fields = await readEmployeeFields(c);
      const email = text(fields, 'email');
      if (!email) throw new Refusal('The email field is required.');
      if (!EMAIL.test(email)) throw new Refusal('The email must be a valid email address.');
      // UNCONFIRMED wording; Personio refuses a second employee with the same address.
      if (directory.indexOfEmail(email) !== undefined) {
        throw new Refusal(`An employee with the email ${email} already exists.`);
      }
      const { changes, meta } = parseChanges(fields, directory, null);
      if (!changes.firstName) throw new Refusal('The first name field is required.');
      if (!changes.lastName) throw new Refusal('The last name field is required.');
      const { firstName, lastName, position, hireDate, ...details } = changes;
      const hired = directory.hire({ firstName, lastName, position, hireDate, email, details });
      return c.json({ success: true, data: { id: hired.id, message: 'success' }, meta });
    } catch (error) {
      if (error instanceof Refusal) return personioError(c, 422, error.message);
      throw error;
    }
  });

  v1.patch('/company/employees/:employee_id', async (c) => {
    const rawId = c.req.param('employee_id');
    const id = /^\d+$/.test(rawId) ? Number(rawId) : null;
    if (id === null || directory.indexOfId(id) === undefined) {
      return personioError(c, 404, `Employee with id ${rawId} was not found.`);
    }
    try {
      const fields = await readEmployeeFields(c);
      // The spec: email cannot be updated, and fields it does not list are ignored.
      const { changes, meta } = parseChanges(fields, directory, id);
      if (Object.keys(changes).length > 0) directory.change(id, changes);
      return c.json({ success: true, data: { id }, meta });
    } catch (error) {
      if (error instanceof Refusal) return personioError(c, 422, error.message);
      throw error;
    }
  });
}
