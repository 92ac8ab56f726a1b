import { type SandboxTimeOffType, TIME_OFF_TYPES, timeOffTypeById } from './absence-types';
import { berlinOffsetMinutes, DAY_MS, formatIsoDay, startOfUtcDay } from './berlin-time';
import type { SandboxChangeListener } from './change-listener';
import { chance, hash32, intBetween, pick, pickWeighted, type Random, randomFor } from './prng';
import { type EmployeeDirectory, SEED_BASE_MS } from './seed';

/**
 * The sandbox company's absences: seeded per employee (deterministic, generated on demand like the
 * employees) plus the ones created through the API, minus deleted ones. Day-based "time-offs" and
 * hour-based "absence periods" are separate collections, as in Personio v1.
 */

export type AbsenceStatus = 'approved' | 'pending' | 'rejected' | 'cancelled';

export interface DayAbsence {
  id: number;
  employeeIndex: number;
  typeId: number;
  /** 00:00 UTC of the first and the last calendar day, both inclusive. */
  startDay: number;
  endDay: number;
  halfDayStart: boolean;
  halfDayEnd: boolean;
  daysCount: number;
  status: AbsenceStatus;
  comment: string;
  createdMs: number;
  updatedMs: number;
  /** `API`, or the name of the admin who entered it. */
  createdBy: string;
}

export interface HourAbsence {
  id: string;
  /** List order: seeded periods by employee, then created ones in creation order. */
  sequence: number;
  employeeIndex: number;
  typeId: number;
  startMs: number;
  /** Exclusive end; null for an open-ended period. */
  endMs: number | null;
  /** Berlin calendar days the period touches (00:00 UTC of each), inclusive; Infinity when open-ended. */
  startDay: number;
  endDay: number;
  halfDayStart: boolean;
  halfDayEnd: boolean;
  status: AbsenceStatus;
  comment: string;
  origin: 'web' | 'api' | 'mobile';
  createdMs: number;
  updatedMs: number;
  approvedMs: number | null;
  /** Employee id of whoever entered it. */
  createdBy: number;
  breakdowns: { date: string; minutes: number }[];
}

export interface SeededBalance {
  typeId: number;
  balance: number;
  availableBalance: number;
}

/** Seeded day-based ids: a block of 8 per employee, ascending with the employee index. */
const FIRST_TIME_OFF_ID = 100_000;
const TIME_OFFS_PER_EMPLOYEE = 8;
/** Created ones come after every seeded id (which stay below 100_000 + 8 * 100_000). */
const FIRST_CREATED_TIME_OFF_ID = 2_000_000;
const HOUR_ABSENCES_PER_EMPLOYEE = 4;
const FIRST_CREATED_SEQUENCE = HOUR_ABSENCES_PER_EMPLOYEE * 1_000_000;
/** Seeded absences fall within this many days around the seed anchor (2026-01-01). */
const SEED_SPAN_DAYS = 430;
const FULL_DAY_MINUTES = 480;

const Stream = { dayAbsences: 21, hourAbsences: 22, balances: 23 } as const;

const ADMIN_NAMES = ['Hannah Weber', 'Jonas Richter'] as const;
/** Notes employees leave, by time-off type; an empty one is the most common. */
const DAY_COMMENTS: Record<number, readonly string[]> = {
  301: ['', '', 'Summer holiday', 'Family visit', 'Wedding', 'Moving house'],
  302: ['', '', '', 'Flu', 'Back pain'],
  303: ['', 'Second child'],
  304: ['', 'Sabbatical'],
  308: ['', 'Language course', 'Conference'],
};
const HOUR_COMMENTS = ['', '', 'Dentist', 'Working from the train', 'Parent-teacher meeting'] as const;

export interface AbsenceBook {
  /** Live day-based absences in list order (seeded by employee, then created ones). */
  dayAbsences(): DayAbsence[];
  dayAbsencesOf(employeeIndex: number): DayAbsence[];
  findDayAbsence(id: number): DayAbsence | undefined;
  addDayAbsence(absence: Omit<DayAbsence, 'id'>): DayAbsence;
  deleteDayAbsence(id: number): boolean;

  hourAbsences(): HourAbsence[];
  hourAbsencesOf(employeeIndex: number): HourAbsence[];
  findHourAbsence(id: string): HourAbsence | undefined;
  addHourAbsence(absence: Omit<HourAbsence, 'sequence'>): HourAbsence;
  deleteHourAbsence(id: string): boolean;

  balancesOf(employeeIndex: number): SeededBalance[];
}

export function createAbsenceBook(
  seed: number,
  directory: EmployeeDirectory,
  listener?: SandboxChangeListener,
): AbsenceBook {
  const seededDay = new Map<number, DayAbsence[]>();
  const seededHour = new Map<number, HourAbsence[]>();
  const createdDay: DayAbsence[] = [];
  const createdHour: HourAbsence[] = [];
  const deletedDay = new Set<number>();
  const deletedHour = new Set<string>();
  let allSeededDay: DayAbsence[] | null = null;
  let allSeededHour: HourAbsence[] | null = null;
  let hourById: Map<string, HourAbsence> | null = null;
  let nextCreatedId = FIRST_CREATED_TIME_OFF_ID;

  const dayOf = (index: number) => {
    let list = seededDay.get(index);
    if (!list) {
      list = index < directory.seededSize ? seedDayAbsences(seed, index) : [];
      seededDay.set(index, list);
    }
    return list;
  };
  const hourOf = (index: number) => {
    let list = seededHour.get(index);
    if (!list) {
      list = index < directory.seededSize ? seedHourAbsences(seed, index, directory.idAt(index)) : [];
      seededHour.set(index, list);
    }
    return list;
  };
  // Company-wide lists are built on first use; a 100,000-employee sandbox pays for that once.
  const everySeededDay = () => {
    allSeededDay ??= Array.from({ length: directory.seededSize }, (_, index) => dayOf(index)).flat();
    return allSeededDay;
  };
  const everySeededHour = () => {
    allSeededHour ??= Array.from({ length: directory.seededSize }, (_, index) => hourOf(index)).flat();
    return allSeededHour;
  };
  const hourIndex = () => {
    if (!hourById) {
      hourById = new Map();
      for (const absence of everySeededHour()) hourById.set(absence.id, absence);
      for (const absence of createdHour) hourById.set(absence.id, absence);
    }
    return hourById;
  };

  return {
    dayAbsences: () => [...everySeededDay(), ...createdDay].filter((absence) => !deletedDay.has(absence.id)),
    dayAbsencesOf: (index) =>
      [...dayOf(index), ...createdDay.filter((absence) => absence.employeeIndex === index)].filter(
        (absence) => !deletedDay.has(absence.id),
      ),
    findDayAbsence(id) {
      if (deletedDay.has(id)) return undefined;
      if (id >= FIRST_CREATED_TIME_OFF_ID) return createdDay.find((absence) => absence.id === id);
      const index = Math.floor((id - FIRST_TIME_OFF_ID) / TIME_OFFS_PER_EMPLOYEE);
      if (!Number.isSafeInteger(index) || index < 0 || index >= directory.seededSize) return undefined;
      return dayOf(index).find((absence) => absence.id === id);
    },
    addDayAbsence(absence) {
      const created = { ...absence, id: nextCreatedId++ };
      createdDay.push(created);
      listener?.absenceCreated({ id: String(created.id), personId: directory.idAt(created.employeeIndex) });
      return created;
    },
    deleteDayAbsence(id) {
      const absence = this.findDayAbsence(id);
      if (!absence) return false;
      deletedDay.add(id);
      listener?.absenceDeleted({ id: String(id), personId: directory.idAt(absence.employeeIndex) });
      return true;
    },

    hourAbsences: () =>
      [...everySeededHour(), ...createdHour].filter((absence) => !deletedHour.has(absence.id)),
    hourAbsencesOf: (index) =>
      [...hourOf(index), ...createdHour.filter((absence) => absence.employeeIndex === index)].filter(
        (absence) => !deletedHour.has(absence.id),
      ),
    findHourAbsence: (id) => (deletedHour.has(id) ? undefined : hourIndex().get(id)),
    addHourAbsence(absence) {
      const created = { ...absence, sequence: FIRST_CREATED_SEQUENCE + createdHour.length };
      createdHour.push(created);
      hourById?.set(created.id, created);
      listener?.absenceCreated({ id: created.id, personId: directory.idAt(created.employeeIndex) });
      return created;
    },
    deleteHourAbsence(id) {
      const absence = this.findHourAbsence(id);
      if (!absence) return false;
      deletedHour.add(id);
      listener?.absenceDeleted({ id, personId: directory.idAt(absence.employeeIndex) });
      return true;
    },

    balancesOf: (index) => (index < directory.seededSize ? seedBalances(seed, index) : []),
  };
}

function seedDayAbsences(seed: number, index: number): DayAbsence[] {
  const random = randomFor(seed, index, Stream.dayAbsences);
  const count = pickWeighted(random, [
    [0, 10],
    [1, 15],
    [2, 20],
    [3, 20],
    [4, 15],
    [5, 12],
    [6, 8],
  ]);
  const kept: DayAbsence[] = [];
  for (let k = 0; k < count; k++) {
    const typeId = pickWeighted(random, [
      [301, 55],
      [302, 28],
      [304, 5],
      [303, 4],
      [308, 8],
    ]);
    const type = timeOffTypeById(typeId)!;
    const length =
      typeId === 301
        ? intBetween(random, 1, 15)
        : typeId === 302
          ? intBetween(random, 1, 7)
          : typeId === 304
            ? intBetween(random, 1, 20)
            : typeId === 303
              ? intBetween(random, 90, 730)
              : intBetween(random, 1, 5);
    const startDay = nextWeekday(SEED_BASE_MS + intBetween(random, -SEED_SPAN_DAYS, SEED_SPAN_DAYS) * DAY_MS);
    const endDay = Math.max(startDay, previousWeekday(startDay + (length - 1) * DAY_MS));
    const halfDayStart = type.halfDayRequestsEnabled && chance(random, 0.15);
    const halfDayEnd = type.halfDayRequestsEnabled && endDay > startDay && chance(random, 0.15);
    const status = drawStatus(random, type);
    // Sick leave is usually entered on or after its first day; everything else ahead of time.
    const leadDays = typeId === 302 ? -intBetween(random, 0, 2) : intBetween(random, 3, 120);
    const { createdMs, updatedMs } = drawTimestamps(random, startDay - leadDays * DAY_MS);
    const absence: DayAbsence = {
      id: FIRST_TIME_OFF_ID + index * TIME_OFFS_PER_EMPLOYEE + k,
      employeeIndex: index,
      typeId,
      startDay,
      endDay,
      halfDayStart,
      halfDayEnd,
      daysCount: countDays(startDay, endDay, halfDayStart, halfDayEnd),
      status,
      comment: pick(random, DAY_COMMENTS[typeId] ?? ['']),
      createdMs,
      updatedMs,
      createdBy: chance(random, 0.2) ? 'API' : pick(random, ADMIN_NAMES),
    };
    // One person is not away twice at once: a draw that overlaps an earlier one is dropped.
    if (kept.every((other) => absence.endDay < other.startDay || absence.startDay > other.endDay)) {
      kept.push(absence);
    }
  }
  return kept;
}

function seedHourAbsences(seed: number, index: number, employeeId: number): HourAbsence[] {
  const random = randomFor(seed, index, Stream.hourAbsences);
  const count = pickWeighted(random, [
    [0, 45],
    [1, 30],
    [2, 17],
    [3, 8],
  ]);
  const result: HourAbsence[] = [];
  for (let k = 0; k < count; k++) {
    const typeId = pickWeighted(random, [
      [305, 50],
      [306, 35],
      [307, 15],
    ]);
    const type = timeOffTypeById(typeId)!;
    const day = nextWeekday(SEED_BASE_MS + intBetween(random, -SEED_SPAN_DAYS, SEED_SPAN_DAYS) * DAY_MS);
    const partial = typeId === 306 || chance(random, typeId === 307 ? 0.7 : 0.4);
    const status = drawStatus(random, type);
    const { createdMs, updatedMs } = drawTimestamps(random, day - intBetween(random, 0, 30) * DAY_MS);
    const base = {
      id: seededUuid(seed, index, k),
      sequence: index * HOUR_ABSENCES_PER_EMPLOYEE + k,
      employeeIndex: index,
      typeId,
      status,
      comment: pick(random, HOUR_COMMENTS),
      origin: pick(random, ['web', 'web', 'mobile', 'api'] as const),
      createdMs,
      updatedMs,
      approvedMs: status === 'approved' ? updatedMs : null,
      createdBy: employeeId,
    };
    if (partial) {
      const startMinute = intBetween(random, 16, 30) * 30;
      const minutes = intBetween(random, 2, typeId === 306 ? 6 : 8) * 30;
      result.push({ ...base, ...partialDayPeriod(day, startMinute, startMinute + minutes) });
    } else {
      const length = typeId === 305 ? intBetween(random, 2, 5) : intBetween(random, 1, 2);
      const lastDay = Math.max(day, previousWeekday(day + (length - 1) * DAY_MS));
      const halfDayStart = type.halfDayRequestsEnabled && lastDay > day && chance(random, 0.1);
      const halfDayEnd = type.halfDayRequestsEnabled && lastDay > day && chance(random, 0.1);
      result.push({ ...base, ...fullDaysPeriod(day, lastDay, halfDayStart, halfDayEnd) });
    }
  }
  return result;
}

function seedBalances(seed: number, index: number): SeededBalance[] {
  const random = randomFor(seed, index, Stream.balances);
  const halves = (min: number, max: number) => intBetween(random, min * 2, max * 2) / 2;
  return TIME_OFF_TYPES.filter((type) => type.hasBalance).map((type) => {
    // Vacation in days (halves), education leave in whole days, overtime in hours (may be negative).
    const balance =
      type.id === 301 ? halves(0, 30) : type.id === 308 ? intBetween(random, 0, 5) : halves(-4, 40);
    const planned = type.id === 308 ? intBetween(random, 0, 1) : halves(0, 8);
    return { typeId: type.id, balance, availableBalance: balance - planned };
  });
}

/** One period within a day, `HH:mm`–`HH:mm` Berlin time, given as minutes after midnight. */
export function partialDayPeriod(day: number, startMinute: number, endMinute: number) {
  return {
    startMs: berlinLocalToUtc(day, startMinute),
    endMs: berlinLocalToUtc(day, endMinute),
    startDay: day,
    endDay: day,
    halfDayStart: false,
    halfDayEnd: false,
    breakdowns: [{ date: formatIsoDay(day), minutes: endMinute - startMinute }],
  };
}

/**
 * Whole days from `firstDay` to `lastDay`: local midnight to the midnight after the last day, as in the
 * official example (start 22:00Z, end 22:00Z two days later, a breakdown for each day in between).
 */
export function fullDaysPeriod(
  firstDay: number,
  lastDay: number,
  halfDayStart: boolean,
  halfDayEnd: boolean,
) {
  const breakdowns: { date: string; minutes: number }[] = [];
  for (let day = firstDay; day <= lastDay; day += DAY_MS) {
    const half = (day === firstDay && halfDayStart) || (day === lastDay && halfDayEnd);
    const minutes = isWeekend(day) ? 0 : half ? FULL_DAY_MINUTES / 2 : FULL_DAY_MINUTES;
    breakdowns.push({ date: formatIsoDay(day), minutes });
  }
  return {
    startMs: berlinLocalToUtc(firstDay, 0),
    endMs: berlinLocalToUtc(lastDay + DAY_MS, 0),
    startDay: firstDay,
    endDay: lastDay,
    halfDayStart,
    halfDayEnd,
    breakdowns,
  };
}

/** Working days (Monday to Friday) in the span; a half day counts 0.5. */
export function countDays(
  startDay: number,
  endDay: number,
  halfDayStart: boolean,
  halfDayEnd: boolean,
): number {
  let days = 0;
  for (let day = startDay; day <= endDay; day += DAY_MS) if (!isWeekend(day)) days++;
  if (startDay === endDay) return days > 0 && (halfDayStart || halfDayEnd) ? 0.5 : days;
  if (halfDayStart && !isWeekend(startDay)) days -= 0.5;
  if (halfDayEnd && !isWeekend(endDay)) days -= 0.5;
  return days;
}

function drawStatus(random: Random, type: SandboxTimeOffType): AbsenceStatus {
  if (!type.approvalRequired) {
    return pickWeighted<AbsenceStatus>(random, [
      ['approved', 92],
      ['cancelled', 8],
    ]);
  }
  return pickWeighted<AbsenceStatus>(random, [
    ['approved', 70],
    ['pending', 15],
    ['rejected', 10],
    ['cancelled', 5],
  ]);
}

/** Entered at office hours around `aroundMs`, never after the seed anchor ("now" of the seeded world). */
function drawTimestamps(random: Random, aroundMs: number) {
  const entered = startOfUtcDay(aroundMs) + intBetween(random, 7 * 3600, 18 * 3600) * 1000;
  const createdMs = secondFloor(Math.min(entered, SEED_BASE_MS - intBetween(random, 1, 72) * 3_600_000));
  const updatedMs = secondFloor(createdMs + random() * Math.max(0, SEED_BASE_MS - createdMs) * 0.25);
  return { createdMs, updatedMs };
}

export function isWeekend(day: number): boolean {
  const weekday = new Date(day).getUTCDay();
  return weekday === 0 || weekday === 6;
}

function nextWeekday(day: number): number {
  let result = day;
  while (isWeekend(result)) result += DAY_MS;
  return result;
}

function previousWeekday(day: number): number {
  let result = day;
  while (isWeekend(result)) result -= DAY_MS;
  return result;
}

/** Berlin wall-clock time (minutes after midnight of `day`) as a UTC instant, DST included. */
export function berlinLocalToUtc(day: number, minuteOfDay: number): number {
  const local = day + minuteOfDay * 60_000;
  const guess = local - berlinOffsetMinutes(day) * 60_000;
  return local - berlinOffsetMinutes(guess) * 60_000;
}

/** The Berlin calendar day (00:00 UTC of it) an instant falls on. */
export function berlinDayOf(epochMs: number): number {
  return startOfUtcDay(epochMs + berlinOffsetMinutes(epochMs) * 60_000);
}

/** A version-4-shaped UUID drawn from the seed, so seeded absence periods keep their ids. */
function seededUuid(seed: number, index: number, k: number): string {
  const hex = [1, 2, 3, 4].map((part) => hash32(seed, index, k, part).toString(16).padStart(8, '0')).join('');
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function secondFloor(epochMs: number): number {
  return Math.floor(epochMs / 1000) * 1000;
}
