import { DAY_MS, formatBerlinDate, formatBerlinDateTime, startOfUtcDay } from './berlin-time';
import type { SandboxChangeListener } from './change-listener';
import type { Department, NamedEntity, Office } from './company-data';
import { DEPARTMENTS, OFFICES, TERMINATION_REASONS, TERMINATION_TYPES } from './company-data';
import type { EmployeeDirectory, EmployeeIdentity, EmployeeStatus, Gender, SeededEmployee } from './seed';

/** What HR can change about a person in the sandbox (sandbox actions), in Personio's own terms. */
export interface EmployeeChanges {
  firstName?: string;
  lastName?: string;
  preferredName?: string;
  position?: string;
  weeklyWorkingHours?: string;
  status?: EmployeeStatus;
  /** `YYYY-MM-DD`; also sets the last working day. */
  terminationDate?: string;
  gender?: Gender;
  /** `YYYY-MM-DD`; unlike a new hire's, it does not change the status (as Personio documents). */
  hireDate?: string;
  department?: Department;
  office?: Office;
  subcompany?: NamedEntity;
  /** null removes the supervisor. */
  supervisor?: EmployeeIdentity | null;
  shirtSize?: string;
  dateOfBirth?: string;
  emergencyContact?: string;
}

export interface NewHire {
  firstName: string;
  lastName: string;
  position?: string;
  /** `YYYY-MM-DD`, default today; a future date makes the person `onboarding`. */
  hireDate?: string;
  /** Default `first.last.id@…` of the sandbox company. */
  email?: string;
  /** Everything else as for a change (the API's create accepts the same fields as its update). */
  details?: Omit<EmployeeChanges, 'firstName' | 'lastName' | 'position' | 'hireDate' | 'terminationDate'>;
}

/** The seeded directory plus the people hired and the changes HR made through sandbox actions. */
export interface ChangingDirectory extends EmployeeDirectory {
  hire(input: NewHire): SeededEmployee;
  /** undefined when no such employee. */
  change(employeeId: number, changes: EmployeeChanges): SeededEmployee | undefined;
}

const EMAIL_DOMAIN = 'example-company.test';

export function withChanges(
  base: EmployeeDirectory,
  now: () => Date,
  listener?: SandboxChangeListener,
): ChangingDirectory {
  const changed = new Map<number, SeededEmployee>();
  const hired: SeededEmployee[] = [];
  const hiredIndexById = new Map<number, number>();
  const hiredIndexByEmail = new Map<string, number>();
  const at = (index: number) =>
    changed.get(index) ??
    (index >= base.size ? hired[index - base.size] : undefined) ??
    base.employeeAt(index);
  const stamp = () => {
    const ms = Math.floor(now().getTime() / 1000) * 1000;
    return { lastModifiedAt: formatBerlinDateTime(ms), lastModifiedMs: ms };
  };

  const directory: ChangingDirectory = {
    get size() {
      return base.size + hired.length;
    },
    seededSize: base.seededSize,
    idAt: (index) => base.idAt(index),
    indexOfId: (id) => base.indexOfId(id) ?? hiredIndexById.get(id),
    indexOfEmail: (email) => base.indexOfEmail(email) ?? hiredIndexByEmail.get(email.trim().toLowerCase()),
    lastModifiedMsAt: (index) =>
      changed.get(index)?.lastModifiedMs ??
      (index >= base.size ? hired[index - base.size]!.lastModifiedMs : base.lastModifiedMsAt(index)),
    employeeAt: at,
    hire(input) {
      const index = base.size + hired.length;
      const id = base.idAt(index);
      const today = startOfUtcDay(now().getTime());
      const hireDay = input.hireDate ? Date.parse(`${input.hireDate}T00:00:00Z`) : today;
      const department = DEPARTMENTS[index % DEPARTMENTS.length]!;
      const office = OFFICES[index % OFFICES.length]!;
      const email = (input.email ?? `${input.firstName}.${input.lastName}.${id}@${EMAIL_DOMAIN}`)
        .toLowerCase()
        .replace(/\s+/g, '');
      const nowStamp = stamp();
      const employee: SeededEmployee = {
        id,
        firstName: input.firstName,
        lastName: input.lastName,
        email,
        gender: 'diverse',
        preferredName: '',
        status: hireDay > today ? 'onboarding' : 'active',
        position: input.position ?? department.positions[0]!,
        supervisor: null,
        employmentType: 'internal',
        weeklyWorkingHours: '40',
        hireDate: formatBerlinDate(hireDay),
        contractEndDate: null,
        terminationDate: null,
        terminationType: null,
        terminationReason: null,
        probationPeriodEnd: formatBerlinDate(hireDay + 182 * DAY_MS),
        lastWorkingDay: null,
        createdAt: nowStamp.lastModifiedAt,
        ...nowStamp,
        subcompany: office.subcompany,
        office,
        department,
        team: department.teams[0]!,
        costCenters: [{ costCenter: department.costCenter, percentage: 100 }],
        fixSalary: 5000,
        fixSalaryInterval: 'monthly',
        hourlySalary: 0,
        profilePicture: null,
        shirtSize: '',
        dateOfBirth: null,
        emergencyContact: '',
      };
      if (input.details) applyChanges(employee, input.details);
      hired.push(employee);
      hiredIndexById.set(id, index);
      hiredIndexByEmail.set(email, index);
      listener?.personHired(employee);
      return employee;
    },
    change(employeeId, changes) {
      const index = directory.indexOfId(employeeId);
      if (index === undefined) return undefined;
      const current = at(index);
      const next: SeededEmployee = { ...current, ...stamp() };
      if (changes.firstName !== undefined) next.firstName = changes.firstName;
      if (changes.lastName !== undefined) next.lastName = changes.lastName;
      if (changes.position !== undefined) next.position = changes.position;
      if (changes.hireDate !== undefined)
        next.hireDate = formatBerlinDate(Date.parse(`${changes.hireDate}T00:00:00Z`));
      applyChanges(next, changes);
      if (changes.terminationDate !== undefined) {
        const day = Date.parse(`${changes.terminationDate}T00:00:00Z`);
        next.terminationDate = formatBerlinDate(day);
        next.lastWorkingDay = formatBerlinDate(day);
        next.terminationType = TERMINATION_TYPES[0];
        next.terminationReason = TERMINATION_REASONS[0];
        // Personio turns a person inactive once the termination date has passed.
        if (day <= now().getTime()) next.status = 'inactive';
      }
      if (index >= base.size) hired[index - base.size] = next;
      else changed.set(index, next);
      listener?.personChanged(current, next);
      return next;
    },
  };
  return directory;
}

/** The changes a new hire and an edit share. */
function applyChanges(employee: SeededEmployee, changes: NonNullable<NewHire['details']>): void {
  if (changes.preferredName !== undefined) employee.preferredName = changes.preferredName;
  if (changes.weeklyWorkingHours !== undefined) employee.weeklyWorkingHours = changes.weeklyWorkingHours;
  if (changes.status !== undefined) employee.status = changes.status;
  if (changes.gender !== undefined) employee.gender = changes.gender;
  if (changes.department !== undefined) {
    employee.department = changes.department;
    employee.team = changes.department.teams[0]!;
    employee.costCenters = [{ costCenter: changes.department.costCenter, percentage: 100 }];
  }
  if (changes.office !== undefined) {
    employee.office = changes.office;
    employee.subcompany = changes.office.subcompany;
  }
  if (changes.subcompany !== undefined) employee.subcompany = changes.subcompany;
  if (changes.supervisor !== undefined) employee.supervisor = changes.supervisor;
  if (changes.shirtSize !== undefined) employee.shirtSize = changes.shirtSize;
  if (changes.dateOfBirth !== undefined) employee.dateOfBirth = changes.dateOfBirth;
  if (changes.emergencyContact !== undefined) employee.emergencyContact = changes.emergencyContact;
}
