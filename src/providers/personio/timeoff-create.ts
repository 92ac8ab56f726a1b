import { ApiError } from '../../errors';
import { outcomeUnknown } from '../../lib/idempotency';
import type { TimeoffRequest, TimeoffType } from '../../models/timeoff';
import { ProviderError } from '../errors';
import type { NewTimeoffRequest, WriteOptions } from '../types';
import type { PersonioClient } from './client';
import { mapAbsencePeriod, mapTimeOffPeriod } from './mappers/timeoff';
import { listTimeoffRequests, upstreamStatus } from './timeoff-requests';
import { AbsencePeriodCreatedSchema, TimeOffResponseSchema } from './timeoff-schemas';
import { listTimeoffTypes } from './timeoff-types';

const PERSONIO_ID = /^[1-9]\d{0,9}$/;
/** Sends of one keyed write whose outcome stays unknown, each after checking it did not happen. */
const MAX_WRITE_ATTEMPTS = 6;

export interface FieldIssue {
  field: string;
  message: string;
}

/**
 * What a time-off type allows, checked before anything is written: day-based types take whole or half
 * days; hour-based ones take start and end times within one day, or (over several days) half days.
 * Pure, so the rules are tested on their own.
 */
export function checkAgainstType(input: NewTimeoffRequest, type: TimeoffType): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const halfDays = input.startHalfDay || input.endHalfDay;
  const halfDayField = input.startHalfDay ? 'start_half_day' : 'end_half_day';
  const times = input.startTime !== null || input.endTime !== null;
  const singleDay = input.startDate === input.endDate;
  if (type.units === 'days') {
    if (times) {
      issues.push({
        field: input.startTime !== null ? 'start_time' : 'end_time',
        message: `times are only for hour-based types; time-off type ${type.id} is counted in days`,
      });
    }
  } else if (singleDay) {
    if (input.startTime === null || input.endTime === null) {
      issues.push({
        field: input.startTime === null ? 'start_time' : 'end_time',
        message: `an hour-based absence within one day needs start_time and end_time (type ${type.id} is counted in hours)`,
      });
    }
    if (halfDays) {
      issues.push({
        field: halfDayField,
        message:
          'half days apply to hour-based absences over several days; within one day give start_time and end_time',
      });
    }
  } else if (times) {
    issues.push({
      field: input.startTime !== null ? 'start_time' : 'end_time',
      message:
        'times are only for an hour-based absence within one day; over several days use start_half_day/end_half_day',
    });
  }
  if (halfDays && type.half_days_allowed === false) {
    issues.push({ field: halfDayField, message: `time-off type ${type.id} does not allow half days` });
  }
  return issues;
}

/**
 * Creates a day- or hour-based absence according to the type's unit. The form fields follow the spec;
 * booleans go as 1/0, which Personio's (Laravel) validation reads as booleans where "true"/"false" strings
 * would not pass.
 */
export async function createTimeoffRequest(
  client: PersonioClient,
  input: NewTimeoffRequest,
  options: WriteOptions,
): Promise<TimeoffRequest> {
  if (!PERSONIO_ID.test(input.employeeId)) {
    throw invalid([{ field: 'employee_id', message: 'must be a Personio employee id (an integer)' }]);
  }
  const types = await listTimeoffTypes(client, { includeRemoteData: false });
  const type = types.find((candidate) => candidate.id === input.timeoffTypeId);
  if (!type) {
    throw invalid([
      {
        field: 'timeoff_type_id',
        message: `no time-off type ${input.timeoffTypeId} in this Personio account`,
      },
    ]);
  }
  if (type.units === null) {
    throw new ProviderError(
      'refused',
      `Personio does not say whether time-off type ${type.id} is counted in days or hours.`,
    );
  }
  const issues = checkAgainstType(input, type);
  if (issues.length > 0) throw invalid(issues);

  const fields: [string, string][] = [
    ['employee_id', input.employeeId],
    ['time_off_type_id', input.timeoffTypeId],
    ['start_date', input.startDate],
    ['end_date', input.endDate],
  ];
  if (type.units === 'days' || input.startDate !== input.endDate) {
    fields.push(['half_day_start', flag(input.startHalfDay)], ['half_day_end', flag(input.endHalfDay)]);
  } else {
    fields.push(['start_time', input.startTime!], ['end_time', input.endTime!]);
  }
  if (input.employeeNote) fields.push(['comment', input.employeeNote]);
  fields.push(['skip_approval', flag(input.skipApproval)]);

  const units = type.units;
  const write = async (): Promise<TimeoffRequest> => {
    // Personio cannot de-duplicate writes: a keyed write is re-sent only where Personio says it did not act.
    const retry = options.retry ? ('unprocessed' as const) : false;
    if (units === 'days') {
      const response = await client.json(
        { method: 'POST', path: '/company/time-offs', body: { form: fields }, retry },
        TimeOffResponseSchema,
      );
      return mapTimeOffPeriod(response!.data);
    }
    const response = await client.json(
      { method: 'POST', path: '/company/absence-periods', body: { form: fields }, retry },
      AbsencePeriodCreatedSchema,
    );
    const created = Array.isArray(response!.data) ? response!.data[0]! : response!.data;
    return mapAbsencePeriod(created);
  };

  if (options.retry && options.outcomeUnknown) {
    // A write of this key was cut off before it answered: if it created the absence, that is the answer.
    const existing = await findCreated(client, input);
    if (existing) return existing;
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      const unknown = error instanceof ApiError && outcomeUnknown(error);
      if (!options.retry || !unknown) throw refusedWrite(error);
      // A timeout or 502/504 leaves the outcome open: if Personio did create the absence, that is the
      // answer; only when it did not is the write sent again.
      const existing = await findCreated(client, input);
      if (existing) return existing;
      if (attempt >= MAX_WRITE_ATTEMPTS) throw refusedWrite(error);
    }
  }
}

/** The live absence that exactly matches a new request, if Personio has one. */
export async function findCreated(
  client: PersonioClient,
  input: NewTimeoffRequest,
): Promise<TimeoffRequest | null> {
  const page = await listTimeoffRequests(client, {
    limit: 200,
    position: null,
    employeeId: input.employeeId,
    timeoffTypeId: input.timeoffTypeId,
    startDate: input.startDate,
    endDate: input.endDate,
    includeRemoteData: false,
  });
  return (
    page.items.find(
      (request) =>
        request.start_date === input.startDate &&
        request.end_date === input.endDate &&
        request.status !== 'cancelled' &&
        request.status !== 'declined' &&
        (request.units === 'hours' && input.startDate === input.endDate
          ? sameTime(request.start_time, input.startTime) && sameTime(request.end_time, input.endTime)
          : request.start_half_day === input.startHalfDay && request.end_half_day === input.endHalfDay),
    ) ?? null
  );
}

function sameTime(actual: string | null, expected: string | null): boolean {
  return actual !== null && expected !== null && actual.slice(0, 5) === expected.slice(0, 5);
}

/** Personio refusing the absence itself (unknown employee, overlap, its own validation) is not a 502. */
function refusedWrite(error: unknown): unknown {
  const status = upstreamStatus(error);
  if (status === null || !(error instanceof ProviderError) || error.kind !== 'bad_response') return error;
  const upstream = error.details as { upstream_message?: string | null };
  if (status === 404) {
    return invalid([
      {
        field: 'employee_id',
        message: `Personio found no such employee or time-off type${upstream.upstream_message ? ` (${upstream.upstream_message})` : ''}`,
      },
    ]);
  }
  if (status === 400 || status === 422) {
    return new ProviderError(
      'refused',
      `Personio refused the absence: ${upstream.upstream_message ?? `HTTP ${status}`}. It may overlap an existing one.`,
      { details: error.details },
    );
  }
  return error;
}

function invalid(issues: FieldIssue[]): ProviderError {
  const [first] = issues;
  return new ProviderError('invalid_input', `Invalid body parameter \`${first!.field}\`: ${first!.message}`, {
    details: issues,
  });
}

function flag(value: boolean): string {
  return value ? '1' : '0';
}
