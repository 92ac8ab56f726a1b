import {
  addMonths,
  DAY_MS,
  formatBerlinDate,
  formatBerlinDateTime,
  formatIsoDay,
  startOfUtcDay,
} from './berlin-time';
import {
  DEPARTMENTS,
  type Department,
  FEMALE_FIRST_NAMES,
  LAST_NAMES,
  MALE_FIRST_NAMES,
  type NamedEntity,
  OFFICES,
  type Office,
  SHARED_COST_CENTER,
  SHIRT_SIZES,
  TERMINATION_REASONS,
  TERMINATION_TYPES,
} from './company-data';
import { chance, intBetween, pick, pickWeighted, type Random, randomFor } from './prng';

export type EmployeeStatus = 'active' | 'onboarding' | 'leave' | 'inactive';
export type Gender = 'male' | 'female' | 'diverse';
export type EmploymentType = 'internal' | 'external';

/** The part of an employee other records point at (supervisor references). */
export interface EmployeeIdentity {
  id: number;
  firstName: string;
  lastName: string;
  email: string;
  gender: Gender;
}

export interface CostCenterShare {
  costCenter: NamedEntity;
  percentage: number;
}

/** Plain seeded facts; `attributes.ts` renders them into Personio attribute objects. */
export interface SeededEmployee extends EmployeeIdentity {
  /** Personio sends "" for an unset string attribute. */
  preferredName: string;
  status: EmployeeStatus;
  position: string;
  supervisor: EmployeeIdentity | null;
  employmentType: EmploymentType;
  /** A string in Personio ("40", "32.5"). */
  weeklyWorkingHours: string;
  hireDate: string;
  contractEndDate: string | null;
  terminationDate: string | null;
  terminationType: string | null;
  terminationReason: string | null;
  probationPeriodEnd: string | null;
  lastWorkingDay: string | null;
  createdAt: string;
  lastModifiedAt: string;
  lastModifiedMs: number;
  subcompany: NamedEntity;
  office: Office;
  department: Department;
  team: NamedEntity;
  costCenters: CostCenterShare[];
  fixSalary: number;
  fixSalaryInterval: string;
  hourlySalary: number;
  profilePicture: string | null;
  shirtSize: string;
  dateOfBirth: string | null;
  emergencyContact: string;
  /** Custom attribute `dynamic_1004`: an address some companies keep apart from Personio's own `email`. */
  businessEmail: string;
}

export interface EmployeeDirectory {
  readonly size: number;
  /** Employees with seeded data (absences, balances); people hired later (sandbox actions) come after. */
  readonly seededSize: number;
  idAt(index: number): number;
  indexOfId(id: number): number | undefined;
  indexOfEmail(email: string): number | undefined;
  /** Cheap: does not build the whole employee, so `updated_since` can scan 100,000 of them. */
  lastModifiedMsAt(index: number): number;
  employeeAt(index: number): SeededEmployee;
}

const FIRST_ID = 1001;
const ID_BLOCK_EMPLOYEES = 10;
const ID_BLOCK_SLOTS = 12;
/** Data is anchored to a fixed instant (not the clock) so a seed always yields the same JSON. */
export const SEED_BASE_MS = Date.UTC(2026, 0, 1);
const HISTORY_MS = 3 * 365 * DAY_MS;
const EARLIEST_HIRE_MS = Date.UTC(2012, 0, 1);
const BIRTH_RANGE_MS = [Date.UTC(1960, 0, 1), Date.UTC(2004, 11, 31)] as const;
const EMAIL_DOMAIN = 'example-company.test';
/** Generated employees kept in memory; bounded so a 100k walk stays inside a Worker's memory limit. */
const CACHE_LIMIT = 10_000;

/** Independent random streams per employee, so e.g. timestamps can be drawn without names. */
const Stream = { idGaps: 1, identity: 2, timestamps: 3, details: 4 } as const;

export function createEmployeeDirectory(seed: number, size: number): EmployeeDirectory {
  const cache = new Map<number, SeededEmployee>();

  // Ids come in blocks: every block of 12 consecutive ids holds 10 employees and skips 2 ids at seeded
  // positions (never the first slot, so the first id is FIRST_ID). Ascending, with gaps, and convertible
  // both ways in O(1) without walking the ids before it.
  const skippedSlotsOf = (block: number): readonly [number, number] => {
    const random = randomFor(seed, block, Stream.idGaps);
    const first = intBetween(random, 1, ID_BLOCK_SLOTS - 1);
    const second = intBetween(random, 1, ID_BLOCK_SLOTS - 2);
    const other = second >= first ? second + 1 : second;
    return first < other ? [first, other] : [other, first];
  };

  const idAt = (index: number): number => {
    const block = Math.floor(index / ID_BLOCK_EMPLOYEES);
    const [low, high] = skippedSlotsOf(block);
    let slot = index % ID_BLOCK_EMPLOYEES;
    if (slot >= low) slot++;
    if (slot >= high) slot++;
    return FIRST_ID + block * ID_BLOCK_SLOTS + slot;
  };

  const indexOfId = (id: number): number | undefined => {
    if (!Number.isSafeInteger(id) || id < FIRST_ID) return undefined;
    const block = Math.floor((id - FIRST_ID) / ID_BLOCK_SLOTS);
    const slot = (id - FIRST_ID) % ID_BLOCK_SLOTS;
    const [low, high] = skippedSlotsOf(block);
    if (slot === low || slot === high) return undefined;
    const index = block * ID_BLOCK_EMPLOYEES + slot - (slot > low ? 1 : 0) - (slot > high ? 1 : 0);
    return index < size ? index : undefined;
  };

  const identityAt = (index: number): EmployeeIdentity => {
    const random = randomFor(seed, index, Stream.identity);
    const gender = pickWeighted<Gender>(random, [
      ['female', 48],
      ['male', 48],
      ['diverse', 4],
    ]);
    const firstNames =
      gender === 'female' || (gender === 'diverse' && chance(random, 0.5))
        ? FEMALE_FIRST_NAMES
        : MALE_FIRST_NAMES;
    const firstName = pick(random, firstNames);
    const lastName = pick(random, LAST_NAMES);
    const id = idAt(index);
    // The id in the local part guarantees uniqueness and lets the e-mail filter find the record directly.
    const email = `${firstName}.${lastName}.${id}@${EMAIL_DOMAIN}`.toLowerCase();
    return { id, firstName, lastName, email, gender };
  };

  const timestampsAt = (index: number) => {
    const random = randomFor(seed, index, Stream.timestamps);
    const createdMs = SEED_BASE_MS - Math.floor(random() * HISTORY_MS);
    const lastModifiedMs = createdMs + Math.floor(random() * (SEED_BASE_MS - createdMs));
    // Whole seconds, as Personio renders them; flooring keeps last_modified_at >= created_at.
    return { createdMs: secondFloor(createdMs), lastModifiedMs: secondFloor(lastModifiedMs) };
  };

  const indexOfEmail = (email: string): number | undefined => {
    const normalized = email.trim().toLowerCase();
    const match = /\.(\d+)@/.exec(normalized);
    const index = match ? indexOfId(Number(match[1])) : undefined;
    return index !== undefined && identityAt(index).email === normalized ? index : undefined;
  };

  const build = (index: number): SeededEmployee => {
    const identity = identityAt(index);
    const { createdMs, lastModifiedMs } = timestampsAt(index);
    const random = randomFor(seed, index, Stream.details);
    const status = pickWeighted<EmployeeStatus>(random, [
      ['active', 80],
      ['onboarding', 5],
      ['leave', 5],
      ['inactive', 10],
    ]);
    const department = pick(random, DEPARTMENTS);
    const office = pick(random, OFFICES);
    const employmentType: EmploymentType = chance(random, 0.1) ? 'external' : 'internal';
    const hireDayMs =
      status === 'onboarding'
        ? SEED_BASE_MS + intBetween(random, 1, 90) * DAY_MS
        : startOfUtcDay(EARLIEST_HIRE_MS + random() * (SEED_BASE_MS - 30 * DAY_MS - EARLIEST_HIRE_MS));
    const terminationDayMs =
      status === 'inactive'
        ? startOfUtcDay(
            hireDayMs + 30 * DAY_MS + random() * Math.max(0, SEED_BASE_MS - hireDayMs - 31 * DAY_MS),
          )
        : null;
    const recentHire = hireDayMs >= SEED_BASE_MS - 365 * DAY_MS;
    const termination = terminationDayMs !== null;
    // Explicit fields instead of `...identity`: V8 builds this wide literal several times faster that way.
    return {
      id: identity.id,
      firstName: identity.firstName,
      lastName: identity.lastName,
      email: identity.email,
      gender: identity.gender,
      preferredName: chance(random, 0.2) ? `${identity.firstName} ${identity.lastName}` : '',
      status,
      position: pick(random, department.positions),
      supervisor: supervisorFor(index, random),
      employmentType,
      weeklyWorkingHours: pickWeighted(random, [
        ['40', 60],
        ['38.5', 10],
        ['32.5', 10],
        ['30', 10],
        ['20', 10],
      ]),
      hireDate: formatBerlinDate(hireDayMs),
      contractEndDate:
        employmentType === 'external' ? formatBerlinDate(addMonths(hireDayMs, pick(random, [12, 24]))) : null,
      terminationDate: termination ? formatBerlinDate(terminationDayMs) : null,
      terminationType: termination ? pick(random, TERMINATION_TYPES) : null,
      terminationReason: termination ? pick(random, TERMINATION_REASONS) : null,
      probationPeriodEnd: recentHire ? formatBerlinDate(addMonths(hireDayMs, 6)) : null,
      lastWorkingDay: termination ? formatBerlinDate(terminationDayMs) : null,
      createdAt: formatBerlinDateTime(createdMs),
      lastModifiedAt: formatBerlinDateTime(lastModifiedMs),
      lastModifiedMs,
      subcompany: office.subcompany,
      office,
      department,
      team: pick(random, department.teams),
      costCenters: costCentersFor(department, random),
      fixSalary: employmentType === 'internal' ? intBetween(random, 50, 190) * 50 : 0,
      fixSalaryInterval: 'monthly',
      hourlySalary: employmentType === 'external' ? intBetween(random, 45, 120) : 0,
      profilePicture: chance(random, 0.7)
        ? `https://api.personio.de/v1/company/employees/${identity.id}/profile-picture`
        : null,
      shirtSize: chance(random, 0.85) ? pick(random, SHIRT_SIZES) : '',
      dateOfBirth: chance(random, 0.9)
        ? formatIsoDay(startOfUtcDay(BIRTH_RANGE_MS[0] + random() * (BIRTH_RANGE_MS[1] - BIRTH_RANGE_MS[0])))
        : null,
      emergencyContact: chance(random, 0.6)
        ? `${pick(random, FEMALE_FIRST_NAMES)} ${identity.lastName}, +49 30 ${intBetween(random, 1_000_000, 9_999_999)}`
        : '',
      // Derived without drawing from `random`, so every other seeded value stays as it was.
      businessEmail: `${identity.firstName}.${identity.lastName}@business.${EMAIL_DOMAIN}`.toLowerCase(),
    };
  };

  // Supervisors always have a lower index (so ids stay acyclic); squaring the roll favours early hires,
  // giving a few people many reports. A small share has no supervisor, like the very first employee.
  const supervisorFor = (index: number, random: Random): EmployeeIdentity | null => {
    if (index === 0 || chance(random, 0.02)) return null;
    return identityAt(Math.floor(random() * random() * index));
  };

  return {
    size,
    seededSize: size,
    idAt,
    indexOfId,
    indexOfEmail,
    lastModifiedMsAt: (index) => timestampsAt(index).lastModifiedMs,
    employeeAt(index) {
      const cached = cache.get(index);
      if (cached) return cached;
      const employee = build(index);
      if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as number);
      cache.set(index, employee);
      return employee;
    },
  };
}

function costCentersFor(department: Department, random: Random): CostCenterShare[] {
  if (chance(random, 0.75)) return [{ costCenter: department.costCenter, percentage: 100 }];
  const own = pick(random, [50, 60, 70, 80]);
  return [
    { costCenter: department.costCenter, percentage: own },
    { costCenter: SHARED_COST_CENTER, percentage: 100 - own },
  ];
}

function secondFloor(epochMs: number): number {
  return Math.floor(epochMs / 1000) * 1000;
}
