import type { Context, Hono } from 'hono';
import type { AbsenceBook } from './absence-book';
import { dayOf, parseDay, parseEmployeeIds, parseInstant, parsePaging } from './absence-query';
import type { SandboxEnv } from './auth';
import { DAY_MS, formatBerlinDateTime, formatIsoDay } from './berlin-time';
import { personioError } from './errors';
import { chance, intBetween, pick, randomFor } from './prng';
import type { EmployeeDirectory } from './seed';
import { SEED_BASE_MS } from './seed';

/**
 * `GET/POST /company/attendances` and `PATCH/DELETE /company/attendances/{id}` (plus the project list) as the
 * v1 spec describes them. Seeded: the working days of December 2025 and January 2026 for the first employees,
 * deterministic per seed; created ones come after, in id order.
 */

export type AttendanceStatus = 'confirmed' | 'pending' | 'rejected';

export interface Attendance {
  id: number;
  employeeId: number;
  /** `YYYY-MM-DD` */
  date: string;
  /** `HH:mm`; end null while someone is still clocked in. */
  startTime: string;
  endTime: string | null;
  breakMinutes: number;
  comment: string;
  status: AttendanceStatus;
  projectId: number | null;
  updatedMs: number;
}

export interface AttendanceProject {
  id: number;
  name: string;
  active: boolean;
}

export const ATTENDANCE_PROJECTS: readonly AttendanceProject[] = [
  { id: 9101, name: 'Internal', active: true },
  { id: 9102, name: 'Customer onboarding', active: true },
  { id: 9103, name: 'Legacy migration', active: false },
];

const SEEDED_EMPLOYEES = 20;
const SEEDED_FROM = SEED_BASE_MS - 31 * DAY_MS;
const SEEDED_TO = SEED_BASE_MS + 30 * DAY_MS;
const FIRST_ID = 600_001;
const ATTENDANCE_STREAM = 11;
/** Personio's documented limit of employees per create request. */
const MAX_EMPLOYEES_PER_CREATE = 100;
const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const INSERT_FAILED = 'Error when trying to insert Attendances periods rows';

function minutes(time: string): number {
  const match = TIME.exec(time)!;
  return Number(match[1]) * 60 + Number(match[2]);
}

function clock(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

function seedAttendances(seed: number, directory: EmployeeDirectory): Attendance[] {
  const attendances: Attendance[] = [];
  let id = FIRST_ID;
  const employees = Math.min(SEEDED_EMPLOYEES, directory.seededSize);
  for (let index = 0; index < employees; index++) {
    const random = randomFor(seed, index, ATTENDANCE_STREAM);
    const employeeId = directory.idAt(index);
    for (let day = SEEDED_FROM; day <= SEEDED_TO; day += DAY_MS) {
      const weekday = new Date(day).getUTCDay();
      if (weekday === 0 || weekday === 6 || chance(random, 0.1)) continue;
      const start = intBetween(random, 7 * 4, 10 * 4) * 15;
      const end = start + intBetween(random, 30, 40) * 15;
      attendances.push({
        id: id++,
        employeeId,
        date: formatIsoDay(day),
        startTime: clock(start),
        endTime: clock(end),
        breakMinutes: pick(random, [30, 45, 60]),
        comment: chance(random, 0.2) ? pick(random, ['Workshop', 'On site at a customer', 'Focus day']) : '',
        status: chance(random, 0.9) ? 'confirmed' : pick(random, ['pending', 'rejected'] as const),
        projectId: chance(random, 0.5) ? pick(random, ATTENDANCE_PROJECTS).id : null,
        updatedMs: day + end * 60_000,
      });
    }
  }
  return attendances;
}

function overlaps(a: Pick<Attendance, 'date' | 'startTime' | 'endTime'>, b: Attendance): boolean {
  if (a.date !== b.date) return false;
  // An open period (no end yet) runs to the end of its day.
  const aEnd = a.endTime === null ? 24 * 60 : minutes(a.endTime);
  const bEnd = b.endTime === null ? 24 * 60 : minutes(b.endTime);
  return minutes(a.startTime) < bEnd && minutes(b.startTime) < aEnd;
}

interface AttendanceInput {
  employee: unknown;
  date: unknown;
  start_time: unknown;
  end_time?: unknown;
  break?: unknown;
  comment?: unknown;
  project_id?: unknown;
}

/** Checks one period's fields; returns the reason it cannot be stored, or the parsed period. */
function parsePeriod(
  input: AttendanceInput,
  current: Attendance | null,
  directory: EmployeeDirectory,
): { error: string } | { period: Omit<Attendance, 'id' | 'status' | 'updatedMs'> } {
  const employeeId = current ? current.employeeId : Number(input.employee);
  if (!current && (!Number.isInteger(employeeId) || directory.indexOfId(employeeId) === undefined)) {
    return { error: 'Employee not found' };
  }
  const date = input.date === undefined ? current?.date : input.date;
  if (typeof date !== 'string' || dayOf(date) === undefined)
    return { error: 'The date does not match the format Y-m-d.' };
  const startTime = input.start_time === undefined ? current?.startTime : input.start_time;
  if (typeof startTime !== 'string' || !TIME.test(startTime)) {
    return { error: 'The start time does not match the format H:i.' };
  }
  const endTime = input.end_time === undefined ? (current?.endTime ?? null) : input.end_time;
  if (endTime !== null && (typeof endTime !== 'string' || !TIME.test(endTime))) {
    return { error: 'The end time does not match the format H:i.' };
  }
  if (endTime !== null && minutes(endTime) <= minutes(startTime)) {
    return { error: 'The end time must be after the start time.' };
  }
  const rawBreak = input.break === undefined ? current?.breakMinutes : Number(input.break);
  if (typeof rawBreak !== 'number' || !Number.isInteger(rawBreak) || rawBreak < 0) {
    return { error: 'The break must be a non-negative number of minutes.' };
  }
  const comment = input.comment === undefined ? (current?.comment ?? '') : (input.comment ?? '');
  if (typeof comment !== 'string') return { error: 'The comment must be a string.' };
  const rawProject = input.project_id === undefined ? (current?.projectId ?? null) : input.project_id;
  const projectId = rawProject === null || rawProject === '' ? null : Number(rawProject);
  if (projectId !== null && !ATTENDANCE_PROJECTS.some((project) => project.id === projectId)) {
    return { error: `Project with ID ${String(rawProject)} not found` };
  }
  return {
    period: { employeeId, date, startTime, endTime, breakMinutes: rawBreak, comment, projectId },
  };
}

/** `skip_approval` defaults to true; false leaves the period pending (the sandbox has an approval rule). */
function statusFor(skipApproval: unknown): AttendanceStatus {
  return skipApproval === false || skipApproval === 'false' || skipApproval === '0' || skipApproval === 0
    ? 'pending'
    : 'confirmed';
}

/** JSON `{ attendances: [...], skip_approval }`, or the form `attendances[][employee]=…`. */
async function readCreateBody(
  c: Context,
): Promise<{ attendances: AttendanceInput[]; skipApproval: unknown }> {
  const contentType = c.req.header('content-type') ?? '';
  if (contentType.includes('application/json')) {
    const body = (await c.req.json().catch(() => null)) as {
      attendances?: unknown;
      skip_approval?: unknown;
    } | null;
    return {
      attendances: Array.isArray(body?.attendances) ? (body.attendances as AttendanceInput[]) : [],
      skipApproval: body?.skip_approval,
    };
  }
  const form = await c.req.parseBody({ all: true });
  // Each `attendances[][field]` repeats once per period, in order.
  const column = (field: string): string[] => {
    const value = form[`attendances[][${field}]`];
    return (Array.isArray(value) ? value : value === undefined ? [] : [value]).map(String);
  };
  const employees = column('employee');
  const attendances = employees.map((employee, index) => ({
    employee,
    date: column('date')[index],
    start_time: column('start_time')[index],
    end_time: column('end_time')[index] ?? null,
    break: column('break')[index],
    comment: column('comment')[index],
    project_id: column('project_id')[index],
  }));
  return { attendances, skipApproval: form.skip_approval };
}

export function registerAttendanceRoutes(
  v1: Hono<SandboxEnv>,
  options: { seed: number; directory: EmployeeDirectory; book: AbsenceBook; now: () => Date },
): void {
  const { directory, book } = options;
  // Generated by the first attendance call (a few hundred ms of a start that may never need them).
  let seeded: Attendance[] | undefined;
  const all = () => (seeded ??= seedAttendances(options.seed, directory));
  let nextId: number | undefined;
  const takeId = () => {
    nextId ??= FIRST_ID + all().length;
    return nextId++;
  };
  const byId = (id: number) => all().find((attendance) => attendance.id === id);

  const isOnTimeOff = (attendance: Attendance): boolean => {
    const index = directory.indexOfId(attendance.employeeId);
    const day = dayOf(attendance.date)!;
    return (
      index !== undefined &&
      book
        .dayAbsencesOf(index)
        .some((absence) => absence.status === 'approved' && absence.startDay <= day && absence.endDay >= day)
    );
  };

  const render = (attendance: Attendance) => {
    const project = ATTENDANCE_PROJECTS.find((candidate) => candidate.id === attendance.projectId);
    return {
      id: attendance.id,
      type: 'AttendancePeriod',
      attributes: {
        employee: attendance.employeeId,
        date: attendance.date,
        start_time: attendance.startTime,
        end_time: attendance.endTime,
        break: attendance.breakMinutes,
        comment: attendance.comment,
        updated_at: formatBerlinDateTime(attendance.updatedMs),
        status: attendance.status,
        is_holiday: false,
        is_on_time_off: isOnTimeOff(attendance),
        project: project
          ? { id: project.id, type: 'Project', attributes: { name: project.name, active: project.active } }
          : null,
      },
    };
  };

  v1.get('/company/attendances', (c) => {
    const startDay = parseDay('start_date', c.req.query('start_date'));
    const endDay = parseDay('end_date', c.req.query('end_date'));
    if (startDay === undefined || endDay === undefined) {
      return personioError(c, 400, 'The start_date and end_date fields are required.');
    }
    const paging = parsePaging(c);
    const updatedFrom = parseInstant('updated_from', c.req.query('updated_from'));
    const updatedTo = parseInstant('updated_to', c.req.query('updated_to'));
    const employees = parseEmployeeIds(c.req.queries('employees[]'));
    const includePending = c.req.query('includePending') === 'true' || c.req.query('includePending') === '1';
    const matching = all().filter((attendance) => {
      const day = dayOf(attendance.date)!;
      if (day < startDay || day > endDay) return false;
      if (!includePending && attendance.status !== 'confirmed') return false;
      if (employees && !employees.includes(attendance.employeeId)) return false;
      if (updatedFrom !== undefined && attendance.updatedMs < updatedFrom) return false;
      if (updatedTo !== undefined && attendance.updatedMs > updatedTo) return false;
      return true;
    });
    // `offset` counts records here, as the spec's description says ("offset 1 of [A, B, C] → [B, C]").
    return c.json({
      success: true,
      metadata: {
        total_elements: matching.length,
        current_page: Math.floor(paging.offset / paging.limit),
        total_pages: Math.ceil(matching.length / paging.limit),
      },
      offset: paging.offset,
      limit: paging.limit,
      data: matching.slice(paging.offset, paging.offset + paging.limit).map(render),
    });
  });

  v1.get('/company/attendances/projects', (c) =>
    c.json({
      success: true,
      data: ATTENDANCE_PROJECTS.map((project) => ({
        id: project.id,
        type: 'Project',
        attributes: { name: project.name, active: project.active },
      })),
    }),
  );

  v1.post('/company/attendances', async (c) => {
    const { attendances: inputs, skipApproval } = await readCreateBody(c);
    if (inputs.length === 0) return personioError(c, 400, 'The attendances field is required.');
    const employeeIds = new Set(inputs.map((input) => String(input?.employee)));
    if (employeeIds.size > MAX_EMPLOYEES_PER_CREATE) {
      return personioError(c, 400, `At most ${MAX_EMPLOYEES_PER_CREATE} employees per request.`);
    }
    const nowMs = options.now().getTime();
    const status = statusFor(skipApproval);
    // UNCONFIRMED: the spec's example answers a partly failing request with the rows that were stored (with
    // ids) beside the ones that were not; the sandbox follows it.
    const results = inputs.map((input) => {
      const parsed = parsePeriod(input ?? ({} as AttendanceInput), null, directory);
      const echo = {
        employee: input?.employee ?? null,
        date: input?.date ?? null,
        start_time: input?.start_time ?? null,
        end_time: input?.end_time ?? null,
        break: input?.break ?? null,
        comment: input?.comment ?? '',
        project_id: input?.project_id ?? null,
      };
      if ('error' in parsed) return { success: false, error_msg: parsed.error, id: null, ...echo };
      if (
        all().some((other) => other.employeeId === parsed.period.employeeId && overlaps(parsed.period, other))
      ) {
        return { success: false, error_msg: 'Existing overlapping attendances periods', id: null, ...echo };
      }
      const attendance: Attendance = { id: takeId(), ...parsed.period, status, updatedMs: nowMs };
      all().push(attendance);
      return { success: true, error_msg: null, id: attendance.id, ...echo };
    });
    if (results.some((result) => !result.success)) {
      return c.json(
        { success: false, error: { code: 400, message: INSERT_FAILED, detailed_message: results } },
        400,
      );
    }
    return c.json({ success: true, data: { id: results.map((result) => result.id!), message: 'success' } });
  });

  v1.patch('/company/attendances/:id', async (c) => {
    const raw = c.req.param('id');
    const attendance = /^\d+$/.test(raw) ? byId(Number(raw)) : undefined;
    if (!attendance) return personioError(c, 404, 'The attendance period was not found.');
    const body = (await c.req.json().catch(() => null)) as Record<string, unknown> | null;
    const updatable = ['date', 'start_time', 'end_time', 'break', 'comment', 'project_id', 'skip_approval'];
    if (!body || typeof body !== 'object' || !updatable.some((field) => field in body)) {
      return personioError(c, 400, `${INSERT_FAILED}.`);
    }
    // The employee cannot be changed; an `employee` member is ignored.
    const parsed = parsePeriod(body as unknown as AttendanceInput, attendance, directory);
    if ('error' in parsed) return personioError(c, 400, parsed.error);
    const clash = all().some(
      (other) =>
        other.id !== attendance.id &&
        other.employeeId === attendance.employeeId &&
        overlaps(parsed.period, other),
    );
    if (clash) return personioError(c, 400, `${INSERT_FAILED}.`);
    Object.assign(attendance, parsed.period, {
      updatedMs: Math.max(options.now().getTime(), attendance.updatedMs + 1000),
    });
    if ('skip_approval' in body) attendance.status = statusFor(body.skip_approval);
    return c.json({ success: true, data: { message: 'The attendance period was updated.' } });
  });

  v1.delete('/company/attendances/:id', (c) => {
    const raw = c.req.param('id');
    if (!/^\d+$/.test(raw)) return personioError(c, 400, 'Bad Request');
    const index = all().findIndex((attendance) => attendance.id === Number(raw));
    if (index < 0) return personioError(c, 404, 'The attendance period was not found.');
    all().splice(index, 1);
    return c.json({ success: true, data: { message: 'The attendance period was deleted.' } });
  });
}
