import type { Hono } from 'hono';
import { hash32 } from '../prng';
import type { EmployeeDirectory, SeededEmployee } from '../seed';
import type { V2Env } from './auth';
import { csv, instantFilter, listPage, rejectUnknownFilters } from './paging';
import { badRequest, problem } from './problem';

/**
 * `GET /v2/persons[/{id}]` (spec persons-service-api-v2) and `GET /v2/persons/{person_id}/employments[/{id}]`
 * (spec employment-contract-v2), rendered from the same seeded people as v1, so both versions describe the
 * same company. Person ids are the v1 employee ids as strings (REFERENCE §1: "person ids look numeric");
 * each person has one employment with a UUID derived from the person id.
 */

const PERSON_FILTERS = [
  'id',
  'email',
  'first_name',
  'last_name',
  'preferred_name',
  'created_at',
  'created_at.gt',
  'created_at.lt',
  'updated_at',
  'updated_at.gt',
  'updated_at.lt',
  'status',
] as const;
const EMPLOYMENT_FILTERS = ['id', 'updated_at', 'updated_at.gt', 'updated_at.lt'] as const;
/** Termination types of the spec's enum, for the seeded German labels. */
const TERMINATION_TYPE: Record<string, string> = {
  Resignation: 'EMPLOYEE',
  Dismissal: 'FIRED',
  'Mutual agreement': 'AGREEMENT',
  'End of contract': 'CONTRACT_EXPIRED',
};

export function employmentIdOf(personId: number): string {
  const hex = [1, 2, 3, 4]
    .map((part) => hash32(personId, 0x2e11, part).toString(16).padStart(8, '0'))
    .join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** UTC, whole seconds, `Z` (the spec's `date-time` examples). */
export function utc(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const day = (berlinDate: string | null) => (berlinDate === null ? undefined : berlinDate.slice(0, 10));

function personStatus(employee: SeededEmployee): 'ACTIVE' | 'INACTIVE' {
  return employee.status === 'inactive' ? 'INACTIVE' : 'ACTIVE';
}

export function renderPerson(employee: SeededEmployee) {
  const person: Record<string, unknown> = {
    id: String(employee.id),
    email: employee.email,
    created_at: utc(Date.parse(employee.createdAt)),
    updated_at: utc(employee.lastModifiedMs),
    first_name: employee.firstName,
    last_name: employee.lastName,
    preferred_name: employee.preferredName,
    gender: employee.gender.toUpperCase(),
    status: personStatus(employee),
    custom_attributes: employee.shirtSize
      ? [
          {
            id: 'dynamic_901',
            type: 'STRING',
            global_id: 'shirt_size',
            label: 'Shirt size',
            value: employee.shirtSize,
          },
        ]
      : [],
    employments: [{ id: employmentIdOf(employee.id) }],
  };
  if (employee.profilePicture) person.profile_picture = { url: employee.profilePicture };
  return person;
}

export function renderEmployment(employee: SeededEmployee) {
  const employment: Record<string, unknown> = {
    id: employmentIdOf(employee.id),
    position: { title: employee.position },
    status: employee.status.toUpperCase(),
    weekly_working_hours: Number(employee.weeklyWorkingHours),
    full_time_weekly_working_hours: 40,
    employment_start_date: day(employee.hireDate),
    type: employee.employmentType.toUpperCase(),
    created_at: utc(Date.parse(employee.createdAt)),
    updated_at: utc(employee.lastModifiedMs),
    office: { id: String(employee.office.id) },
    org_units: [
      { type: 'department', id: String(employee.department.id) },
      { type: 'team', id: String(employee.team.id) },
    ],
    person: { id: String(employee.id) },
    cost_centers: employee.costCenters.map((share) => ({
      id: String(share.costCenter.id),
      weight: share.percentage,
    })),
    legal_entity: { id: String(employee.subcompany.id) },
  };
  if (employee.supervisor) employment.supervisor = { id: String(employee.supervisor.id) };
  if (employee.probationPeriodEnd) employment.probation_end_date = day(employee.probationPeriodEnd);
  if (employee.contractEndDate) employment.contract_end_date = day(employee.contractEndDate);
  if (employee.terminationDate) {
    employment.employment_end_date = day(employee.terminationDate);
    employment.termination = {
      termination_date: day(employee.terminationDate),
      last_working_day: day(employee.lastWorkingDay),
      type: TERMINATION_TYPE[employee.terminationType ?? ''] ?? 'UNSPECIFIED',
      reason: employee.terminationReason ?? undefined,
    };
  }
  return employment;
}

function matchesTime(ms: number, exact?: number, gt?: number, lt?: number): boolean {
  return (
    (exact === undefined || ms === exact) && (gt === undefined || ms > gt) && (lt === undefined || ms < lt)
  );
}

export function registerPersonRoutes(v2: Hono<V2Env>, directory: EmployeeDirectory): void {
  const everyone = () => Array.from({ length: directory.size }, (_, index) => directory.employeeAt(index));

  v2.get('/persons', (c) => {
    rejectUnknownFilters(c, PERSON_FILTERS);
    const ids = csv(c, 'id');
    const emails = csv(c, 'email')?.map((email) => email.toLowerCase());
    const status = c.req.query('status');
    if (status !== undefined && status !== 'ACTIVE' && status !== 'INACTIVE') throw badRequest();
    const updated = [
      instantFilter(c, 'updated_at'),
      instantFilter(c, 'updated_at.gt'),
      instantFilter(c, 'updated_at.lt'),
    ] as const;
    const created = [
      instantFilter(c, 'created_at'),
      instantFilter(c, 'created_at.gt'),
      instantFilter(c, 'created_at.lt'),
    ] as const;
    const text = (name: string) => c.req.query(name);
    // Narrow by id or e-mail first so a filtered call does not build every person of a large company.
    const candidates = ids
      ? ids.flatMap((id) => {
          const index = /^\d+$/.test(id) ? directory.indexOfId(Number(id)) : undefined;
          return index === undefined ? [] : [directory.employeeAt(index)];
        })
      : emails
        ? emails.flatMap((email) => {
            const index = directory.indexOfEmail(email);
            return index === undefined ? [] : [directory.employeeAt(index)];
          })
        : everyone();
    const persons = candidates.filter(
      (employee) =>
        (!emails || emails.includes(employee.email)) &&
        (text('first_name') === undefined || employee.firstName === text('first_name')) &&
        (text('last_name') === undefined || employee.lastName === text('last_name')) &&
        (text('preferred_name') === undefined || employee.preferredName === text('preferred_name')) &&
        (status === undefined || personStatus(employee) === status) &&
        matchesTime(employee.lastModifiedMs, ...updated) &&
        matchesTime(Date.parse(employee.createdAt), ...created),
    );
    return c.json(listPage(c, persons.map(renderPerson), { defaultLimit: 10, maxLimit: 50 }));
  });

  v2.get('/persons/:id', (c) => {
    const person = findPerson(directory, c.req.param('id'));
    if (!person) return problem(c, 404, 'There is no resource for the specified id.');
    return c.json(renderPerson(person));
  });

  v2.get('/persons/:person_id/employments', (c) => {
    rejectUnknownFilters(c, EMPLOYMENT_FILTERS);
    const person = findPerson(directory, c.req.param('person_id'));
    if (!person) return problem(c, 404, 'There is no resource for the specified id.');
    const ids = csv(c, 'id');
    const updated = [
      instantFilter(c, 'updated_at'),
      instantFilter(c, 'updated_at.gt'),
      instantFilter(c, 'updated_at.lt'),
    ] as const;
    const employments = [person]
      .filter((employee) => !ids || ids.includes(employmentIdOf(employee.id)))
      .filter((employee) => matchesTime(employee.lastModifiedMs, ...updated))
      .map(renderEmployment);
    return c.json(listPage(c, employments, { defaultLimit: 10, maxLimit: 50 }));
  });

  v2.get('/persons/:person_id/employments/:id', (c) => {
    const person = findPerson(directory, c.req.param('person_id'));
    if (!person || employmentIdOf(person.id) !== c.req.param('id').toLowerCase()) {
      return problem(c, 404, 'There is no resource for the specified id.');
    }
    return c.json(renderEmployment(person));
  });
}

function findPerson(directory: EmployeeDirectory, raw: string): SeededEmployee | undefined {
  const index = /^\d{1,15}$/.test(raw) ? directory.indexOfId(Number(raw)) : undefined;
  return index === undefined ? undefined : directory.employeeAt(index);
}
