import type { Context, Hono } from 'hono';
import {
  type AbsenceBook,
  type AbsenceStatus,
  countDays,
  type DayAbsence,
  fullDaysPeriod,
  type HourAbsence,
  partialDayPeriod,
} from './absence-book';
import {
  dayOf,
  formBoolean,
  listEnvelope,
  type OffsetSemantics,
  pageWindow,
  parseDay,
  parseEmployeeIds,
  parseInstant,
  parsePaging,
  parseStrings,
  readFields,
} from './absence-query';
import { renderTimeOffType, type SandboxTimeOffType, TIME_OFF_TYPES, timeOffTypeById } from './absence-types';
import type { CanRead } from './attributes';
import type { SandboxEnv } from './auth';
import { formatBerlinDate, formatBerlinDateTime } from './berlin-time';
import { personioError } from './errors';
import type { EmployeeDirectory } from './seed';

/**
 * How `GET /company/time-offs` applies `start_date`. The spec text ("the result starts from and including
 * the provided start_date") reads like "absences starting in the window"; integrators have seen absences
 * that began long before it come back (personio/api-docs#105), i.e. overlap. Overlap is the default;
 * `start-within` exists so tests can prove the gateway does not depend on it.
 */
export type TimeOffWindow = 'overlap' | 'start-within';

export interface AbsenceRouteOptions {
  book: AbsenceBook;
  directory: EmployeeDirectory;
  now: () => Date;
  offsets: { timeOffs: OffsetSemantics; absencePeriods: OffsetSemantics; timeOffTypes: OffsetSemantics };
  timeOffWindow: TimeOffWindow;
}

const TIMEZONE = 'Europe/Berlin';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

export function registerAbsenceRoutes(v1: Hono<SandboxEnv>, options: AbsenceRouteOptions): void {
  const { book, directory } = options;
  const render = createRenderer(directory);
  const absencesOfEmployees = <Absence>(ids: number[], of: (index: number) => Absence[]): Absence[] =>
    [...new Set(ids)].flatMap((id) => {
      const index = directory.indexOfId(id);
      return index === undefined ? [] : of(index);
    });

  v1.get('/company/time-off-types', (c) => {
    const paging = parsePaging(c);
    const { start } = pageWindow(options.offsets.timeOffTypes, paging);
    // The spec sends only `{ success, data }` here, no pagination metadata.
    const data = TIME_OFF_TYPES.slice(start, start + paging.limit).map(renderTimeOffType);
    return c.json({ success: true, data });
  });

  v1.get('/company/time-offs', (c) => {
    const paging = parsePaging(c);
    const startDay = parseDay('start_date', c.req.query('start_date'));
    const endDay = parseDay('end_date', c.req.query('end_date'));
    const updatedFrom = parseDay('updated_from', c.req.query('updated_from'));
    const updatedTo = parseDay('updated_to', c.req.query('updated_to'));
    const employees = parseEmployeeIds(c.req.queries('employees[]'));
    const absences = (employees ? absencesOfEmployees(employees, book.dayAbsencesOf) : book.dayAbsences())
      .filter((absence) => {
        const startsBeforeEnd = endDay === undefined || absence.startDay <= endDay;
        const inWindow =
          options.timeOffWindow === 'overlap'
            ? startDay === undefined || absence.endDay >= startDay
            : startDay === undefined || absence.startDay >= startDay;
        return startsBeforeEnd && inWindow;
      })
      // `updated_from`/`updated_to` are whole (company-local) days, both inclusive.
      .filter((absence) => withinDays(berlinDay(absence.updatedMs), updatedFrom, updatedTo))
      .sort((a, b) => a.id - b.id);
    const page = listEnvelope(absences, options.offsets.timeOffs, paging);
    return c.json({ ...page, data: page.data.map((absence) => render.day(absence, c.get('canRead'))) });
  });

  v1.get('/company/time-offs/:id', (c) => {
    const raw = c.req.param('id');
    const absence = /^\d+$/.test(raw) ? book.findDayAbsence(Number(raw)) : undefined;
    if (!absence) return personioError(c, 404, 'The absence period was not found.');
    return c.json({ success: true, data: render.day(absence, c.get('canRead')) });
  });

  v1.delete('/company/time-offs/:id', (c) => {
    const raw = c.req.param('id');
    if (!/^\d+$/.test(raw)) return personioError(c, 400, 'The absence period id is invalid.');
    if (!book.deleteDayAbsence(Number(raw)))
      return personioError(c, 404, 'The absence period was not found.');
    return c.json({ success: true, data: { message: 'The absence period was deleted.' } });
  });

  v1.post('/company/time-offs', async (c) => {
    const fields = await readFields(c);
    const errors: Record<string, string[]> = {};
    const input = parseCommonCreateFields(fields, errors);
    const halfDayStart = requiredBoolean(fields, 'half_day_start', errors);
    const halfDayEnd = requiredBoolean(fields, 'half_day_end', errors);
    const { employeeIndex, type, startDay, endDay } = input;
    if (Object.keys(errors).length > 0 || startDay === undefined || endDay === undefined) {
      return validationFailed(c, errors);
    }
    if (employeeIndex === undefined) return notFound(c, 'Employee not found.');
    if (type?.unit !== 'day') return notFound(c, 'Time-off type not found.');
    if ((halfDayStart || halfDayEnd) && !type.halfDayRequestsEnabled) {
      return validationFailed(c, { half_day_start: ['Half days are not enabled for this time-off type.'] });
    }
    const overlapping = book
      .dayAbsencesOf(employeeIndex)
      .some((other) => isActive(other.status) && other.startDay <= endDay && other.endDay >= startDay);
    if (overlapping) return personioError(c, 400, 'Error when trying to insert absence period');
    const nowMs = options.now().getTime();
    const absence = book.addDayAbsence({
      employeeIndex,
      typeId: type.id,
      startDay,
      endDay,
      halfDayStart,
      halfDayEnd,
      daysCount: countDays(startDay, endDay, halfDayStart, halfDayEnd),
      status: initialStatus(type, fields),
      comment: fields.comment ?? '',
      createdMs: nowMs,
      updatedMs: nowMs,
      createdBy: 'API',
    });
    return c.json({ success: true, data: render.day(absence, c.get('canRead')) });
  });

  v1.get('/company/absence-periods', (c) => {
    const paging = parsePaging(c);
    const startDay = parseDay('start_date', c.req.query('start_date'));
    const endDay = parseDay('end_date', c.req.query('end_date'));
    const updatedFrom = parseInstant('updated_from', c.req.query('updated_from'));
    const updatedTo = parseInstant('updated_to', c.req.query('updated_to'));
    const employees = parseEmployeeIds(c.req.queries('employees[]'));
    const absenceTypes = parseStrings(c.req.queries('absence_types[]'));
    const ids = parseStrings(c.req.queries('absence_periods[]'));
    const typeIds = absenceTypes?.map(
      (uuid) => TIME_OFF_TYPES.find((type) => type.absenceTypeUuid === uuid.toLowerCase())?.id,
    );
    if (typeIds?.includes(undefined)) return personioError(c, 404, 'models.absence-types.not-found');
    const absences = (employees ? absencesOfEmployees(employees, book.hourAbsencesOf) : book.hourAbsences())
      .filter(
        (absence) =>
          // Documented: periods intersecting [start_date, end_date]; an unset side is unbounded.
          (startDay === undefined || absence.endDay >= startDay) &&
          (endDay === undefined || absence.startDay <= endDay) &&
          (updatedFrom === undefined || absence.updatedMs >= updatedFrom) &&
          (updatedTo === undefined || absence.updatedMs <= updatedTo) &&
          (!typeIds || typeIds.includes(absence.typeId)) &&
          (!ids || ids.some((id) => id.toLowerCase() === absence.id)),
      )
      .sort((a, b) => a.sequence - b.sequence);
    const page = listEnvelope(absences, options.offsets.absencePeriods, paging);
    return c.json({ ...page, data: page.data.map((absence) => render.hour(absence, c.get('canRead'))) });
  });

  v1.post('/company/absence-periods', async (c) => {
    const fields = await readFields(c);
    const errors: Record<string, string[]> = {};
    const input = parseCommonCreateFields(fields, errors);
    const halfDayStart = optionalBoolean(fields, 'half_day_start', errors) ?? false;
    const halfDayEnd = optionalBoolean(fields, 'half_day_end', errors) ?? false;
    const singleDay = input.startDay !== undefined && input.startDay === input.endDay;
    // Times are required for (and only read on) a period within one day; half days only on longer ones.
    const startTime = singleDay ? requiredTime(fields, 'start_time', errors) : undefined;
    const endTime = singleDay ? requiredTime(fields, 'end_time', errors) : undefined;
    if (startTime !== undefined && endTime !== undefined && endTime <= startTime) {
      errors.end_time = ['The end time must be after the start time.'];
    }
    const { employeeIndex, type, startDay, endDay } = input;
    if (Object.keys(errors).length > 0 || startDay === undefined || endDay === undefined) {
      return validationFailed(c, errors);
    }
    if (employeeIndex === undefined) return notFound(c, 'Employee not found.');
    if (type?.unit !== 'hour') return notFound(c, 'Absence type not found.');
    if (type.certificationRequired) {
      return personioError(c, 400, 'Absence types with a certificate requirement are not supported.');
    }
    if (!singleDay && (halfDayStart || halfDayEnd) && !type.halfDayRequestsEnabled) {
      return validationFailed(c, { half_day_start: ['Half days are not enabled for this absence type.'] });
    }
    const period = singleDay
      ? partialDayPeriod(startDay, startTime!, endTime!)
      : fullDaysPeriod(startDay, endDay, halfDayStart, halfDayEnd);
    const overlapping = book
      .hourAbsencesOf(employeeIndex)
      .some(
        (other) =>
          isActive(other.status) &&
          other.startMs < period.endMs &&
          (other.endMs === null || other.endMs > period.startMs),
      );
    if (overlapping) return personioError(c, 400, 'Error when trying to insert absence period');
    const nowMs = options.now().getTime();
    const status = initialStatus(type, fields);
    const absence = book.addHourAbsence({
      id: crypto.randomUUID(),
      employeeIndex,
      typeId: type.id,
      ...period,
      status,
      comment: fields.comment ?? '',
      origin: 'api',
      createdMs: nowMs,
      updatedMs: nowMs,
      approvedMs: status === 'approved' ? nowMs : null,
      createdBy: directory.idAt(employeeIndex),
    });
    // The spec's 201 example wraps the period in a one-element array; its schema (and every other
    // single-item response) has an object. The sandbox follows the schema; the gateway reads both.
    return c.json({ success: true, data: render.hour(absence, c.get('canRead')) }, 201);
  });

  v1.delete('/company/absence-periods/:id', (c) => {
    const raw = c.req.param('id');
    if (!UUID.test(raw)) return personioError(c, 400, 'The absence period id is invalid.');
    if (!book.deleteHourAbsence(raw.toLowerCase())) {
      return personioError(c, 404, 'The absence period was not found.');
    }
    return c.json({ success: true, data: { message: 'The absence period was deleted.' } });
  });

  v1.get('/company/employees/:employee_id/absences/balance', (c) => {
    const raw = c.req.param('employee_id');
    const index = /^\d+$/.test(raw) ? directory.indexOfId(Number(raw)) : undefined;
    // The spec's example message for this 404, German as Personio sends it.
    if (index === undefined) return personioError(c, 404, 'Es ist ein Problem aufgetreten');
    const data = book.balancesOf(index).map((balance) => {
      const type = timeOffTypeById(balance.typeId)!;
      return {
        id: type.id,
        name: type.name,
        category: type.category,
        balance: balance.balance,
        available_balance: balance.availableBalance,
      };
    });
    return c.json({ success: true, data });
  });

  function parseCommonCreateFields(fields: Record<string, string>, errors: Record<string, string[]>) {
    const employeeId = requiredInteger(fields, 'employee_id', errors);
    const typeId = requiredInteger(fields, 'time_off_type_id', errors);
    const startDay = requiredDate(fields, 'start_date', errors);
    const endDay = requiredDate(fields, 'end_date', errors);
    if (startDay !== undefined && endDay !== undefined && endDay < startDay) {
      errors.end_date = ['The end date must be a date after or equal to start date.'];
    }
    return {
      employeeIndex: employeeId === undefined ? undefined : directory.indexOfId(employeeId),
      type: typeId === undefined ? undefined : timeOffTypeById(typeId),
      startDay,
      endDay,
    };
  }
}

function createRenderer(directory: EmployeeDirectory) {
  const employee = (index: number, canRead: CanRead) => {
    const seeded = directory.employeeAt(index);
    const attribute = (key: string, label: string, value: unknown, type: string) => ({
      label,
      value,
      type,
      universal_id: key,
    });
    const attributes: Record<string, unknown> = { id: attribute('id', 'id', seeded.id, 'integer') };
    if (canRead('first_name')) {
      attributes.first_name = attribute('first_name', 'First name', seeded.firstName, 'standard');
    }
    if (canRead('last_name')) {
      attributes.last_name = attribute('last_name', 'Last name', seeded.lastName, 'standard');
    }
    if (canRead('email')) attributes.email = attribute('email', 'Email', seeded.email, 'standard');
    return { type: 'Employee', attributes };
  };

  return {
    day(absence: DayAbsence, canRead: CanRead) {
      const type = timeOffTypeById(absence.typeId)!;
      return {
        type: 'TimeOffPeriod',
        attributes: {
          id: absence.id,
          status: absence.status,
          // The spec's examples write offsets without a colon here (`2017-12-27T00:00:00+0100`).
          start_date: compactOffset(formatBerlinDate(absence.startDay)),
          end_date: compactOffset(formatBerlinDate(absence.endDay)),
          days_count: absence.daysCount,
          half_day_start: absence.halfDayStart,
          half_day_end: absence.halfDayEnd,
          time_off_type: {
            type: 'TimeOffType',
            attributes: { id: type.id, name: type.name, category: type.category },
          },
          employee: employee(absence.employeeIndex, canRead),
          certificate: { status: type.certificationRequired ? 'pending' : 'not-required' },
          created_at: compactOffset(formatBerlinDateTime(absence.createdMs)),
          created_by: absence.createdBy,
          updated_at: compactOffset(formatBerlinDateTime(absence.updatedMs)),
          // Not in the schema, but present in real responses (REFERENCE §3.5).
          comment: absence.comment,
        },
      };
    },
    hour(absence: HourAbsence, canRead: CanRead) {
      const type = timeOffTypeById(absence.typeId)!;
      return {
        type: 'AbsencePeriod',
        attributes: {
          id: absence.id,
          measurement_unit: 'hour',
          effective_duration: absence.breakdowns.reduce((sum, day) => sum + day.minutes, 0),
          employee: employee(absence.employeeIndex, canRead),
          absence_type: {
            type: 'AbsenceType',
            attributes: { id: type.absenceTypeUuid, name: type.name, time_off_type_id: type.id },
          },
          certificate: { status: 'not-required' },
          start: new Date(absence.startMs).toISOString(),
          end: absence.endMs === null ? null : new Date(absence.endMs).toISOString(),
          half_day_start: absence.halfDayStart,
          half_day_end: absence.halfDayEnd,
          comment: absence.comment,
          origin: absence.origin,
          status: absence.status,
          timezone: TIMEZONE,
          created_by: absence.createdBy,
          created_at: new Date(absence.createdMs).toISOString(),
          updated_at: new Date(absence.updatedMs).toISOString(),
          approved_at: absence.approvedMs === null ? null : new Date(absence.approvedMs).toISOString(),
          breakdowns: absence.breakdowns.map((day) => ({ date: day.date, effective_duration: day.minutes })),
        },
      };
    },
  };
}

function compactOffset(value: string): string {
  return value.replace(/([+-]\d{2}):(\d{2})$/, '$1$2');
}

function berlinDay(epochMs: number): number {
  return dayOf(formatBerlinDateTime(epochMs).slice(0, 10))!;
}

function withinDays(day: number, from: number | undefined, to: number | undefined): boolean {
  return (from === undefined || day >= from) && (to === undefined || day <= to);
}

function isActive(status: AbsenceStatus): boolean {
  return status === 'approved' || status === 'pending';
}

/** `skip_approval` defaults to true; false leaves the request pending when the type needs approval. */
function initialStatus(type: SandboxTimeOffType, fields: Record<string, string>): AbsenceStatus {
  const skipApproval = formBoolean(fields.skip_approval);
  return skipApproval === false && type.approvalRequired ? 'pending' : 'approved';
}

function validationFailed(c: Context, errors: Record<string, string[]>): Response {
  return c.json(
    {
      success: false,
      error: { code: 0, message: 'The given data failed to pass validation.', error_data: errors },
    },
    422,
  );
}

/** The create endpoints' 404 carries `code: 0` in the spec examples. */
function notFound(c: Context, message: string): Response {
  return c.json({ success: false, error: { code: 0, message } }, 404);
}

function requiredInteger(fields: Record<string, string>, name: string, errors: Record<string, string[]>) {
  const raw = fields[name];
  if (raw === undefined || raw === '') {
    errors[name] = [`The ${name} field is required.`];
    return undefined;
  }
  if (!/^\d+$/.test(raw)) {
    errors[name] = [`The ${name} must be an integer.`];
    return undefined;
  }
  return Number(raw);
}

function requiredDate(fields: Record<string, string>, name: string, errors: Record<string, string[]>) {
  const raw = fields[name];
  if (raw === undefined || raw === '') {
    errors[name] = [`The ${name} field is required.`];
    return undefined;
  }
  const day = dayOf(raw);
  if (day === undefined) errors[name] = [`The ${name} does not match the format Y-m-d.`];
  return day;
}

function requiredBoolean(fields: Record<string, string>, name: string, errors: Record<string, string[]>) {
  const value = formBoolean(fields[name]);
  if (value === undefined) errors[name] = [`The ${name} field is required.`];
  if (value === 'invalid') errors[name] = [`The ${name} field must be true or false.`];
  return value === true;
}

function optionalBoolean(fields: Record<string, string>, name: string, errors: Record<string, string[]>) {
  const value = formBoolean(fields[name]);
  if (value === 'invalid') {
    errors[name] = [`The ${name} field must be true or false.`];
    return undefined;
  }
  return value;
}

/** `HH:mm` as minutes after midnight. */
function requiredTime(fields: Record<string, string>, name: string, errors: Record<string, string[]>) {
  const raw = fields[name];
  const match = raw === undefined ? null : TIME.exec(raw);
  if (!match) {
    errors[name] = [
      raw === undefined || raw === ''
        ? `The ${name} field is required when start_date and end_date are the same.`
        : `The ${name} does not match the format H:i.`,
    ];
    return undefined;
  }
  return Number(match[1]) * 60 + Number(match[2]);
}
