import type {
  TimeoffBalance,
  TimeoffRequest,
  TimeoffStatus,
  TimeoffType,
  TimeoffUnits,
} from '../../../models/timeoff';
import type {
  PersonioAbsencePeriod,
  PersonioBalance,
  PersonioTimeOffPeriod,
  PersonioTimeOffType,
} from '../timeoff-schemas';
import { calendarDate, id, instant, number, text } from './values';

/**
 * Personio's approval states → the unified four. Personio documents only `approved` and `pending`
 * (REFERENCE §3.5: full list UNCONFIRMED), so spelling variants are accepted and an unknown state is
 * `null` rather than a guess.
 */
const STATUS_MAP: Record<string, TimeoffStatus> = {
  approved: 'approved',
  pending: 'requested',
  requested: 'requested',
  in_review: 'requested',
  rejected: 'declined',
  declined: 'declined',
  denied: 'declined',
  cancelled: 'cancelled',
  canceled: 'cancelled',
  withdrawn: 'cancelled',
};

export function mapTimeoffStatus(value: unknown): TimeoffStatus | null {
  return typeof value === 'string' ? (STATUS_MAP[value.trim().toLowerCase()] ?? null) : null;
}

export function mapTimeoffUnits(value: unknown): TimeoffUnits | null {
  if (typeof value !== 'string') return null;
  const unit = value.trim().toLowerCase();
  if (unit === 'day' || unit === 'days') return 'days';
  if (unit === 'hour' || unit === 'hours') return 'hours';
  return null;
}

export function mapTimeoffType(
  raw: PersonioTimeOffType,
  options: { includeRemoteData?: boolean } = {},
): TimeoffType {
  const attributes = raw.attributes;
  const type: TimeoffType = {
    id: id(attributes.id) ?? '',
    name: text(attributes.name),
    category: text(attributes.category),
    units: mapTimeoffUnits(attributes.unit),
    half_days_allowed: attributes.half_day_requests_enabled ?? null,
    approval_required: attributes.approval_required ?? null,
  };
  if (options.includeRemoteData) type.remote_data = raw as Record<string, unknown>;
  return type;
}

/** A day-based absence (`TimeOffPeriod`). */
export function mapTimeOffPeriod(
  raw: PersonioTimeOffPeriod,
  options: { includeRemoteData?: boolean } = {},
): TimeoffRequest {
  const attributes = raw.attributes;
  const startDate = calendarDate(attributes.start_date);
  const timeoffType = attributes.time_off_type?.attributes;
  const request: TimeoffRequest = {
    id: id(attributes.id) ?? '',
    employee: { id: employeeId(attributes.employee) ?? '' },
    timeoff_type: timeoffType ? { id: id(timeoffType.id) ?? '', name: text(timeoffType.name) } : null,
    status: mapTimeoffStatus(attributes.status),
    start_date: startDate ?? '',
    // A missing end is a one-day absence; only hour-based periods can be open-ended.
    end_date: calendarDate(attributes.end_date) ?? startDate ?? '',
    start_half_day: flag(attributes.half_day_start),
    end_half_day: flag(attributes.half_day_end),
    start_time: null,
    end_time: null,
    timezone: null,
    amount: number(attributes.days_count),
    units: 'days',
    employee_note: text(attributes.comment),
    created_at: instant(attributes.created_at),
    updated_at: instant(attributes.updated_at),
  };
  if (options.includeRemoteData) request.remote_data = raw as Record<string, unknown>;
  return request;
}

/** An hour-based absence (`AbsencePeriod`): instants in UTC plus the zone they are planned in. */
export function mapAbsencePeriod(
  raw: PersonioAbsencePeriod,
  options: { includeRemoteData?: boolean } = {},
): TimeoffRequest {
  const attributes = raw.attributes;
  const absenceType = absenceTypeAttributes(attributes.absence_type);
  const timezone = validTimeZone(text(attributes.timezone));
  const breakdownDates = (attributes.breakdowns ?? [])
    .map((entry) => calendarDate(entry.date))
    .filter((date): date is string => date !== null)
    .sort();
  const start = localParts(attributes.start, timezone);
  const end = attributes.end ? localParts(attributes.end, timezone) : null;
  const wholeDays = start?.time === '00:00' && (end === null || end.time === '00:00');
  // The end is exclusive: a period ending at local midnight ends on the day before.
  const endDate = end
    ? end.time === '00:00' && end.date > (start?.date ?? '')
      ? previousDay(end.date)
      : end.date
    : null;
  const request: TimeoffRequest = {
    id: attributes.id,
    employee: { id: employeeId(attributes.employee) ?? '' },
    timeoff_type: absenceType
      ? {
          // The unified type id is the time-off type id (as in the type list); the UUID only if that is missing.
          id: id(absenceType.time_off_type_id) ?? id(absenceType.id) ?? '',
          name: text(absenceType.name),
        }
      : null,
    status: mapTimeoffStatus(attributes.status),
    // Without a usable zone, Personio's own per-day breakdown says which calendar days are meant.
    start_date: (timezone ? start?.date : breakdownDates[0]) ?? start?.date ?? '',
    end_date: attributes.end ? ((timezone ? endDate : breakdownDates.at(-1)) ?? endDate) : null,
    start_half_day: flag(attributes.half_day_start),
    end_half_day: flag(attributes.half_day_end),
    start_time: wholeDays || !start ? null : start.time,
    end_time: wholeDays || !end ? null : end.time,
    timezone,
    amount: hours(attributes),
    units: 'hours',
    employee_note: text(attributes.comment),
    created_at: instant(attributes.created_at),
    updated_at: instant(attributes.updated_at),
  };
  if (options.includeRemoteData) request.remote_data = raw as Record<string, unknown>;
  return request;
}

/**
 * One balance entry. Personio gives no unit here: it is taken from the type list, and the numbers are
 * assumed to be in that unit (days, or hours for hour-based types; UNCONFIRMED for hour-based ones).
 */
export function mapBalance(
  raw: PersonioBalance,
  employee: string,
  typesById: ReadonlyMap<string, TimeoffType>,
): TimeoffBalance {
  const typeId = id(raw.id) ?? '';
  const type = typesById.get(typeId);
  return {
    employee: { id: employee },
    timeoff_type: { id: typeId, name: text(raw.name) ?? type?.name ?? null },
    balance: number(raw.balance),
    available_balance: number(raw.available_balance),
    used: null,
    units: type?.units ?? null,
  };
}

function employeeId(employee: { attributes: { id?: { value: unknown } | null } } | null | undefined) {
  return id(employee?.attributes.id?.value);
}

function absenceTypeAttributes(value: PersonioAbsencePeriod['attributes']['absence_type']) {
  if (!value) return null;
  return 'attributes' in value && value.attributes && typeof value.attributes === 'object'
    ? (value.attributes as { id?: unknown; name?: unknown; time_off_type_id?: unknown })
    : (value as { id?: unknown; name?: unknown; time_off_type_id?: unknown });
}

function flag(value: unknown): boolean {
  return value === true || value === 1 || value === '1' || value === 'true';
}

/** Effective duration (minutes) in hours, two decimals; the per-day breakdown when the total is missing. */
function hours(attributes: PersonioAbsencePeriod['attributes']): number | null {
  let minutes = number(attributes.effective_duration);
  if (minutes === null && attributes.breakdowns?.length) {
    minutes = attributes.breakdowns.reduce((sum, entry) => sum + (number(entry.effective_duration) ?? 0), 0);
  }
  return minutes === null ? null : Math.round((minutes / 60) * 100) / 100;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

function validTimeZone(timeZone: string | null): string | null {
  if (!timeZone) return null;
  try {
    formatterFor(timeZone);
    return timeZone;
  } catch {
    return null;
  }
}

/** The wall-clock date and `HH:mm` of an instant in a zone (UTC when the zone is unknown). */
export function localParts(value: unknown, timeZone: string | null): { date: string; time: string } | null {
  const normalised = instant(value);
  if (normalised === null) return null;
  const parts = Object.fromEntries(
    formatterFor(timeZone ?? 'UTC')
      .formatToParts(new Date(normalised))
      .map((part) => [part.type, part.value]),
  );
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

function previousDay(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}
