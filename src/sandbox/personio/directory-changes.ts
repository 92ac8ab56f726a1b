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
  businessEmail?: string;
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
  /**
   * Lets every start and termination whose date the clock has reached take effect (see `Schedule`); cheap
   * when none is due, so it runs before every request.
   */
  applyDueDates(): void;
}

/**
 * A hire or termination entered ahead of its date: the status changes when the date arrives (start: the
 * hire date; end: the termination date, the same day rule an edit dated today follows), with no edit, so
 * `last_modified_at` stays. Seeded people have none: the seed is a fixed snapshot, whatever the clock says.
 */
interface Schedule {
  /** UTC midnight of the hire date: `onboarding` becomes `active`. */
  startsMs?: number;
  /** UTC midnight of the termination date: the person becomes `inactive`. */
  endsMs?: number;
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
  const schedules = new Map<number, Schedule>();
  /** The earliest scheduled date, so `applyDueDates` costs one comparison while nothing is due. */
  let nextDueMs = Number.POSITIVE_INFINITY;
  const reschedule = (index: number, schedule: Schedule) => {
    if (schedule.startsMs === undefined && schedule.endsMs === undefined) schedules.delete(index);
    else schedules.set(index, schedule);
    nextDueMs = Number.POSITIVE_INFINITY;
    for (const { startsMs, endsMs } of schedules.values()) {
      nextDueMs = Math.min(nextDueMs, startsMs ?? nextDueMs, endsMs ?? nextDueMs);
    }
  };
  const store = (index: number, employee: SeededEmployee) => {
    if (index >= base.size) hired[index - base.size] = employee;
    else changed.set(index, employee);
  };
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
        businessEmail: '',
      };
      if (input.details) applyChanges(employee, input.details);
      hired.push(employee);
      hiredIndexById.set(id, index);
      hiredIndexByEmail.set(email, index);
      if (employee.status === 'onboarding' && hireDay > today) reschedule(index, { startsMs: hireDay });
      listener?.personHired(employee);
      return employee;
    },
    change(employeeId, changes) {
      const index = directory.indexOfId(employeeId);
      if (index === undefined) return undefined;
      directory.applyDueDates();
      const current = at(index);
      const schedule: Schedule = { ...schedules.get(index) };
      const next: SeededEmployee = { ...current, ...stamp() };
      if (changes.firstName !== undefined) next.firstName = changes.firstName;
      if (changes.lastName !== undefined) next.lastName = changes.lastName;
      if (changes.position !== undefined) next.position = changes.position;
      if (changes.hireDate !== undefined) {
        const day = Date.parse(`${changes.hireDate}T00:00:00Z`);
        next.hireDate = formatBerlinDate(day);
        // A start already waiting for its date moves with it; otherwise the status stays as it is.
        if (schedule.startsMs !== undefined) schedule.startsMs = day;
      }
      applyChanges(next, changes);
      // HR setting the status decides it; a start waiting for its date no longer applies.
      if (changes.status !== undefined) schedule.startsMs = undefined;
      if (changes.terminationDate !== undefined) {
        const day = Date.parse(`${changes.terminationDate}T00:00:00Z`);
        next.terminationDate = formatBerlinDate(day);
        next.lastWorkingDay = formatBerlinDate(day);
        next.terminationType = TERMINATION_TYPES[0];
        next.terminationReason = TERMINATION_REASONS[0];
        // Personio turns a person inactive on the termination date; a later date waits for it.
        if (day <= now().getTime()) {
          next.status = 'inactive';
          schedule.endsMs = undefined;
        } else {
          schedule.endsMs = day;
        }
      }
      store(index, next);
      reschedule(index, schedule);
      listener?.personChanged(current, next);
      // A start moved to a date already reached takes effect at once.
      if (nextDueMs <= now().getTime()) directory.applyDueDates();
      return next;
    },
    applyDueDates() {
      const nowMs = now().getTime();
      if (nextDueMs > nowMs) return;
      for (const [index, schedule] of [...schedules]) {
        const current = at(index);
        let status = current.status;
        const rest: Schedule = { ...schedule };
        const took: ('started' | 'terminated')[] = [];
        if (schedule.startsMs !== undefined && schedule.startsMs <= nowMs) {
          rest.startsMs = undefined;
          if (status === 'onboarding') {
            status = 'active';
            took.push('started');
          }
        }
        if (schedule.endsMs !== undefined && schedule.endsMs <= nowMs) {
          rest.endsMs = undefined;
          if (status !== 'inactive') {
            status = 'inactive';
            took.push('terminated');
          }
        }
        if (rest.startsMs === schedule.startsMs && rest.endsMs === schedule.endsMs) continue;
        reschedule(index, rest);
        if (status === current.status) continue;
        // The date took effect, nobody edited the record: last_modified_at stays.
        const next: SeededEmployee = { ...current, status };
        store(index, next);
        for (const effect of took) listener?.employmentTookEffect(next, effect);
      }
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
  if (changes.businessEmail !== undefined) employee.businessEmail = changes.businessEmail;
}
