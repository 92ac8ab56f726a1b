import type { Hono } from 'hono';
import { type AbsenceBook, type DayAbsence, type HourAbsence, isWeekend } from '../absence-book';
import { TIME_OFF_TYPES, timeOffTypeById } from '../absence-types';
import { DAY_MS, formatBerlinDateTime, formatIsoDay } from '../berlin-time';
import type { EmployeeDirectory } from '../seed';
import type { V2AbsenceIds } from './absence-ids';
import type { V2Env } from './auth';
import { csv, instantFilter, listPage, localFilter, rejectUnknownFilters } from './paging';
import { utc } from './persons';
import { problem } from './problem';

/**
 * v2 absence types and absence periods, over the same absences as v1's `/company/time-offs` (day unit) and
 * `/company/absence-periods` (hour unit). No official spec file covers these; REFERENCE §4.4–4.5 (docs
 * excerpts plus third-party schemas) is followed, and what it leaves open is decided here:
 * - ASSUMED by default: ids are the ones v1 knows — an absence type's id is its v1 time-off type id, a
 *   day-unit period's id is its v1 time-off id, an hour-unit period's id is its v1 UUID (all as strings).
 *   REFERENCE §1 says v2 absence ids are UUIDs; the `uuid` mode of absence-ids.ts gives them UUIDs of
 *   their own, and then only those are accepted and shown.
 * - ASSUMED: one list holds both units, day-unit periods first (by id), then hour-unit ones (in v1 order).
 * - CONFIRMED (docs): `date_time` is local wall-clock time in `timezone_id`; no duration in the list, the
 *   breakdowns endpoint has it; filters AND-ed.
 * - ASSUMED: a day-unit period's `ends_at` is its last day at 00:00 (the REFERENCE example), half days are
 *   `starts_from.type = SECOND_HALF` / `ends_at.type = FIRST_HALF`; an hour-unit period's `ends_at` is its
 *   exclusive end. Each date filter compares its own field (`ends_at.date_time.gte` = window start,
 *   `starts_from.date_time.lte` = window end gives the documented overlap); an open end never fails `gte`.
 * - `approval.status` is the upper-case v1 status (`APPROVED|PENDING|REJECTED|CANCELLED`; UNCONFIRMED).
 */

const TIMEZONE = 'Europe/Berlin';
const PERIOD_FILTERS = [
  'id',
  'absence_type.id',
  'person.id',
  'starts_from.date_time.gte',
  'starts_from.date_time.lte',
  'ends_at.date_time.gte',
  'ends_at.date_time.lte',
  'updated_at.gte',
  'updated_at.lte',
] as const;

type Period = { kind: 'day'; absence: DayAbsence } | { kind: 'hour'; absence: HourAbsence };

/** Berlin wall clock of an instant, `YYYY-MM-DDTHH:mm:ss`. */
const localTime = (epochMs: number) => formatBerlinDateTime(epochMs).slice(0, 19);
const midnight = (day: number) => `${formatIsoDay(day)}T00:00:00`;

function renderAbsenceType(type: (typeof TIME_OFF_TYPES)[number], ids: V2AbsenceIds) {
  return {
    id: ids.type(type.id),
    name: type.name,
    category: type.category.toUpperCase(),
    unit: type.unit.toUpperCase(),
  };
}

/** The v1 id: the time-off id as a string, or the hour-unit period's UUID. */
function v1IdOf(period: Period): string {
  return period.kind === 'day' ? String(period.absence.id) : period.absence.id;
}

function startsFrom(period: Period) {
  if (period.kind === 'day') {
    const start: Record<string, string> = { date_time: midnight(period.absence.startDay) };
    if (period.absence.halfDayStart) start.type = 'SECOND_HALF';
    return start;
  }
  const start: Record<string, string> = { date_time: localTime(period.absence.startMs) };
  if (period.absence.halfDayStart) start.type = 'SECOND_HALF';
  return start;
}

function endsAt(period: Period) {
  if (period.kind === 'day') {
    const end: Record<string, string> = { date_time: midnight(period.absence.endDay) };
    if (period.absence.halfDayEnd) end.type = 'FIRST_HALF';
    return end;
  }
  if (period.absence.endMs === null) return null;
  const end: Record<string, string> = { date_time: localTime(period.absence.endMs) };
  if (period.absence.halfDayEnd) end.type = 'FIRST_HALF';
  return end;
}

export function registerAbsenceRoutesV2(
  v2: Hono<V2Env>,
  book: AbsenceBook,
  directory: EmployeeDirectory,
  ids: V2AbsenceIds,
): void {
  const render = (period: Period) => ({
    id: ids.period(v1IdOf(period)),
    person: { id: String(directory.idAt(period.absence.employeeIndex)) },
    absence_type: { id: ids.type(period.absence.typeId) },
    starts_from: startsFrom(period),
    ends_at: endsAt(period),
    timezone_id: TIMEZONE,
    comment: period.absence.comment,
    approval: { status: period.absence.status.toUpperCase() },
    substitute: null,
    created_at: utc(period.absence.createdMs),
    updated_at: utc(period.absence.updatedMs),
  });

  const every = (personIndexes: number[] | undefined): Period[] => {
    const days = personIndexes
      ? personIndexes.flatMap((index) => book.dayAbsencesOf(index))
      : book.dayAbsences();
    const hours = personIndexes
      ? personIndexes.flatMap((index) => book.hourAbsencesOf(index))
      : book.hourAbsences();
    return [
      ...days.sort((a, b) => a.id - b.id).map((absence) => ({ kind: 'day' as const, absence })),
      ...hours.sort((a, b) => a.sequence - b.sequence).map((absence) => ({ kind: 'hour' as const, absence })),
    ];
  };

  const find = (v2Id: string): Period | undefined => {
    const raw = ids.periodV1(v2Id, () => every(undefined).map(v1IdOf));
    if (raw === undefined) return undefined;
    if (/^\d{1,10}$/.test(raw)) {
      const absence = book.findDayAbsence(Number(raw));
      return absence ? { kind: 'day', absence } : undefined;
    }
    const absence = book.findHourAbsence(raw.toLowerCase());
    return absence ? { kind: 'hour', absence } : undefined;
  };

  v2.get('/absence-types', (c) => {
    rejectUnknownFilters(c, []);
    return c.json(
      listPage(
        c,
        TIME_OFF_TYPES.map((type) => renderAbsenceType(type, ids)),
        { defaultLimit: 100, maxLimit: 100 },
      ),
    );
  });

  v2.get('/absence-types/:id', (c) => {
    const v1Id = ids.typeV1(c.req.param('id'), () => TIME_OFF_TYPES.map((type) => type.id));
    const type = v1Id === undefined ? undefined : timeOffTypeById(v1Id);
    if (!type) return problem(c, 404, 'There is no resource for the specified id.');
    return c.json(renderAbsenceType(type, ids));
  });

  v2.get('/absence-periods', (c) => {
    rejectUnknownFilters(c, PERIOD_FILTERS);
    const ids = csv(c, 'id')?.map((id) => id.toLowerCase());
    const typeIds = csv(c, 'absence_type.id')?.map((id) => id.toLowerCase());
    const personIds = csv(c, 'person.id');
    const startsGte = localFilter(c, 'starts_from.date_time.gte');
    const startsLte = localFilter(c, 'starts_from.date_time.lte');
    const endsGte = localFilter(c, 'ends_at.date_time.gte');
    const endsLte = localFilter(c, 'ends_at.date_time.lte');
    const updatedGte = instantFilter(c, 'updated_at.gte');
    const updatedLte = instantFilter(c, 'updated_at.lte');
    const personIndexes = personIds?.flatMap((id) => {
      const index = /^\d{1,15}$/.test(id) ? directory.indexOfId(Number(id)) : undefined;
      return index === undefined ? [] : [index];
    });
    const periods = every(personIndexes)
      .map((period) => ({ period, rendered: render(period) }))
      .filter(({ period, rendered }) => {
        const start = rendered.starts_from.date_time!;
        const end = rendered.ends_at?.date_time ?? null;
        return (
          (!ids || ids.includes(rendered.id.toLowerCase())) &&
          (!typeIds || typeIds.includes(rendered.absence_type.id)) &&
          (startsGte === undefined || start >= startsGte) &&
          (startsLte === undefined || start <= startsLte) &&
          (endsGte === undefined || end === null || end >= endsGte) &&
          (endsLte === undefined || (end !== null && end <= endsLte)) &&
          (updatedGte === undefined || period.absence.updatedMs >= updatedGte) &&
          (updatedLte === undefined || period.absence.updatedMs <= updatedLte)
        );
      })
      .map(({ rendered }) => rendered);
    return c.json(listPage(c, periods, { defaultLimit: 100, maxLimit: 100 }));
  });

  v2.get('/absence-periods/:id', (c) => {
    const period = find(c.req.param('id'));
    if (!period) return problem(c, 404, 'There is no resource for the specified id.');
    return c.json(render(period));
  });

  v2.get('/absence-periods/:id/breakdowns', (c) => {
    const period = find(c.req.param('id'));
    if (!period) return problem(c, 404, 'There is no resource for the specified id.');
    // No documented limit for breakdowns: the generic v2 range (REFERENCE §4.1, 1–200, default 100).
    return c.json(listPage(c, breakdowns(period), { defaultLimit: 100, maxLimit: 200 }));
  });
}

/** Per-day effective duration: days (halves) for day-unit periods, hours for hour-unit ones. */
function breakdowns(period: Period) {
  if (period.kind === 'hour') {
    return period.absence.breakdowns.map((entry) => ({
      date: entry.date,
      effective_duration: { unit: 'HOUR', value: entry.minutes / 60 },
    }));
  }
  const { startDay, endDay, halfDayStart, halfDayEnd } = period.absence;
  const result: { date: string; effective_duration: { unit: string; value: number } }[] = [];
  for (let day = startDay; day <= endDay; day += DAY_MS) {
    const half = (day === startDay && halfDayStart) || (day === endDay && halfDayEnd);
    result.push({
      date: formatIsoDay(day),
      effective_duration: { unit: 'DAY', value: isWeekend(day) ? 0 : half ? 0.5 : 1 },
    });
  }
  return result;
}
