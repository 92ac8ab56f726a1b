import type { TimeoffRequest } from '../../../models/timeoff';
import { mapTimeoffStatus } from '../mappers/timeoff';
import { calendarDate, instant, text } from '../mappers/values';
import type { V2AbsencePeriod, V2AbsenceType, V2Breakdown } from './schemas';

/**
 * A v2 absence period → the same unified time-off request v1's mappers make of the same absence
 * (`mapTimeOffPeriod` for day-unit types, `mapAbsencePeriod` for hour-unit ones). Pure; the breakdowns
 * (where v2 keeps the duration) and the absence type (name, unit) come from their own calls.
 *
 * Day-unit: `starts_from`/`ends_at` are the first and last day (`ends_at` inclusive, REFERENCE example),
 * half days as `SECOND_HALF` on the start and `FIRST_HALF` on the end; amount = the breakdowns' days.
 * Hour-unit: `date_time` is wall-clock time in `timezone_id` (docs), the end exclusive as in v1; a period
 * from and to local midnight is whole days (no times); amount = the breakdowns' hours, two decimals.
 * Ids are taken as v2 gives them: the unified id only matches v1's where a credential check found v2 absence
 * and type ids to be v1's (shared-ids.ts), the only accounts whose lists go through v2.
 */
export function mapAbsencePeriodV2(
  raw: V2AbsencePeriod,
  type: V2AbsenceType | undefined,
  breakdowns: V2Breakdown[],
  options: { includeRemoteData?: boolean } = {},
): TimeoffRequest {
  const unit = (type?.unit ?? breakdowns[0]?.effective_duration.unit ?? 'DAY').toUpperCase();
  const start = wallClock(raw.starts_from.date_time);
  const end = raw.ends_at ? wallClock(raw.ends_at.date_time) : null;
  const common = {
    id: raw.id,
    employee: { id: raw.person.id },
    timeoff_type: { id: raw.absence_type.id, name: text(type?.name) },
    status: mapTimeoffStatus(raw.approval?.status),
    start_half_day: raw.starts_from.type?.toUpperCase() === 'SECOND_HALF',
    end_half_day: raw.ends_at?.type?.toUpperCase() === 'FIRST_HALF',
    employee_note: text(raw.comment),
    created_at: instant(raw.created_at),
    updated_at: instant(raw.updated_at),
  };
  const total = breakdowns.reduce((sum, day) => sum + day.effective_duration.value, 0);
  let request: TimeoffRequest;
  if (unit === 'HOUR') {
    const wholeDays = start?.time === '00:00' && (end === null || end.time === '00:00');
    // The end is exclusive: a period ending at local midnight ends on the day before.
    const endDate = end
      ? end.time === '00:00' && end.date > (start?.date ?? '')
        ? previousDay(end.date)
        : end.date
      : null;
    request = {
      ...common,
      start_date: start?.date ?? '',
      end_date: endDate,
      start_time: wholeDays || !start ? null : start.time,
      end_time: wholeDays || !end ? null : end.time,
      timezone: validTimeZone(text(raw.timezone_id)),
      amount: breakdowns.length > 0 ? Math.round(total * 100) / 100 : null,
      units: 'hours',
    };
  } else {
    request = {
      ...common,
      start_date: start?.date ?? '',
      end_date: end?.date ?? start?.date ?? '',
      start_time: null,
      end_time: null,
      timezone: null,
      amount: breakdowns.length > 0 ? total : null,
      units: 'days',
    };
  }
  // Same key order as v1's mappers, so both versions serialise to the same JSON.
  const ordered: TimeoffRequest = {
    id: request.id,
    employee: request.employee,
    timeoff_type: request.timeoff_type,
    status: request.status,
    start_date: request.start_date,
    end_date: request.end_date,
    start_half_day: request.start_half_day,
    end_half_day: request.end_half_day,
    start_time: request.start_time,
    end_time: request.end_time,
    timezone: request.timezone,
    amount: request.amount,
    units: request.units,
    employee_note: request.employee_note,
    created_at: request.created_at,
    updated_at: request.updated_at,
  };
  if (options.includeRemoteData) ordered.remote_data = { ...raw, breakdowns } as Record<string, unknown>;
  return ordered;
}

/** `2026-06-01T08:30:00` (local, no offset) → its date and `HH:mm`. */
function wallClock(value: string): { date: string; time: string } | null {
  const date = calendarDate(value);
  if (!date) return null;
  const time = /T(\d{2}:\d{2})/.exec(value)?.[1] ?? '00:00';
  return { date, time };
}

function previousDay(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

function validTimeZone(timeZone: string | null): string | null {
  if (!timeZone) return null;
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return timeZone;
  } catch {
    return null;
  }
}
