import type { TimeoffRequest } from '../../../models/timeoff';
import type { HrisProvider } from '../../types';
import type { PersonioV2Client } from './client';
import { mapAbsencePeriodV2 } from './mappers';
import { V2AbsencePeriodSchema } from './schemas';
import { absenceTypes } from './timeoff-requests';

/**
 * Are this company's v2 absence ids its v1 ids? REFERENCE §1 has v1 time-off ids as integers and v2 absence
 * ids as UUIDs, and nothing says how they relate, while unified ids are v1's (passes, single reads and
 * writes use v1). So it is asked of the data: a page of v2 absence periods in a window around today, and
 * the v1 time-off requests of the first period's person in the same window, matched by person, dates, times
 * and half days; the answer is `true` only when every matched pair has the same id and the same type id.
 * null: nothing to compare (no absences, no match, or v2 absences not readable).
 */

const PROBE_PAGE_SIZE = 25;
const WINDOW_DAYS = 180;
const DAY_MS = 86_400_000;

export async function detectSharedAbsenceIds(
  v1: HrisProvider,
  v2: PersonioV2Client,
  today: Date,
): Promise<boolean | null> {
  const day = (offset: number) => new Date(today.getTime() + offset * DAY_MS).toISOString().slice(0, 10);
  const window = { start: day(-WINDOW_DAYS), end: day(WINDOW_DAYS) };
  const page = await v2.page(
    '/v2/absence-periods',
    [
      ['limit', String(PROBE_PAGE_SIZE)],
      ['ends_at.date_time.gte', `${window.start}T00:00:00`],
      ['starts_from.date_time.lte', `${window.end}T23:59:59`],
    ],
    null,
    V2AbsencePeriodSchema,
  );
  const person = page.items[0]?.person.id;
  if (person === undefined) return null;
  const types = await absenceTypes(v2);
  const viaV2 = page.items
    .filter((period) => period.person.id === person)
    .map((period) => mapAbsencePeriodV2(period, types.get(period.absence_type.id), []));
  const viaV1 = await v1.listTimeoffRequests({
    limit: 200,
    position: null,
    employeeId: person,
    startDate: window.start,
    endDate: window.end,
    includeRemoteData: false,
  });
  const v1ByKey = uniqueBy(viaV1.items, matchKey);
  const v2ByKey = uniqueBy(viaV2, matchKey);
  let matched = 0;
  for (const [key, request] of v2ByKey) {
    const twin = v1ByKey.get(key);
    if (!twin) continue;
    matched++;
    if (twin.id !== request.id || twin.timeoff_type?.id !== request.timeoff_type?.id) return false;
  }
  return matched > 0 ? true : null;
}

function matchKey(request: TimeoffRequest): string {
  return JSON.stringify([
    request.employee.id,
    request.start_date,
    request.end_date,
    request.start_time ?? null,
    request.end_time ?? null,
    request.start_half_day,
    request.end_half_day,
  ]);
}

/** Records by key, leaving out keys that name more than one (they could pair the wrong absences). */
function uniqueBy(requests: TimeoffRequest[], key: (request: TimeoffRequest) => string) {
  const found = new Map<string, TimeoffRequest | null>();
  for (const request of requests) {
    const k = key(request);
    found.set(k, found.has(k) ? null : request);
  }
  const unique = new Map<string, TimeoffRequest>();
  for (const [k, request] of found) if (request) unique.set(k, request);
  return unique;
}
