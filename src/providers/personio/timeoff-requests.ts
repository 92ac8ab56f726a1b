import { z } from 'zod';
import { ApiError } from '../../errors';
import { outcomeUnknown } from '../../lib/idempotency';
import type { TimeoffRequest } from '../../models/timeoff';
import { ProviderError } from '../errors';
import type { Page, TimeoffRequestListQuery, WriteOptions } from '../types';
import type { PersonioClient } from './client';
import { mapAbsencePeriod, mapTimeOffPeriod } from './mappers/timeoff';
import { OffsetPager, PagerPositionSchema, START_POSITION, scan } from './offset-pager';
import {
  AbsencePeriodListSchema,
  DeletedSchema,
  TimeOffListSchema,
  TimeOffResponseSchema,
} from './timeoff-schemas';

/**
 * Unified time-off requests are two Personio collections walked one after the other: day-based
 * `/company/time-offs`, then hour-based `/company/absence-periods`. The cursor names the collection and the
 * pager position inside it (logical page, records already examined, the offset reading found).
 */

/** Personio's documented default (and the only size the gateway asks for, so page boundaries never move). */
export const ABSENCE_PAGE_SIZE = 200;
/** Upstream pages read for one unified page, so a sparse filter cannot stall a call; the cursor carries on. */
const MAX_SCANNED_PAGES = 10;
const DAY_MS = 86_400_000;
/** How far `updated_after` is widened upstream, so no reading of Personio's time zone can lose a record. */
const UPDATED_WIDENING_MS = 14 * 3_600_000;

const TIME_OFF_ID = /^[1-9]\d{0,9}$/;
const ABSENCE_PERIOD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMPLOYEE_ID = /^[1-9]\d{0,15}$/;

const PositionSchema = PagerPositionSchema.extend({ collection: z.enum(['days', 'hours']) });
type Position = z.infer<typeof PositionSchema>;

export async function listTimeoffRequests(
  client: PersonioClient,
  query: TimeoffRequestListQuery,
): Promise<Page<TimeoffRequest>> {
  const start = parsePosition(query.position);
  // Personio employee ids are integers; any other id matches nothing.
  if (query.employeeId !== undefined && !EMPLOYEE_ID.test(query.employeeId)) return { items: [], next: null };

  const matches = matcher(query);
  const options = { includeRemoteData: query.includeRemoteData };
  const budget = { pages: MAX_SCANNED_PAGES };
  const items: TimeoffRequest[] = [];
  let position: Position = start;

  if (position.collection === 'days') {
    const pager = new OffsetPager(
      async (offset, limit) => {
        const page = await client.get(
          '/company/time-offs',
          [...timeOffFilters(query), ['limit', String(limit)], ['offset', String(offset)]],
          TimeOffListSchema,
        );
        return {
          records: page!.data.map((raw) => mapTimeOffPeriod(raw, options)),
          total: page!.metadata?.total_elements ?? null,
        };
      },
      (request) => request.id,
      ABSENCE_PAGE_SIZE,
      { owner: client.shared, key: `time-offs ${JSON.stringify([timeOffFilters(query), options])}` },
    );
    const result = await scan(pager, position, query.limit, matches, budget);
    items.push(...result.matched);
    if (result.next) return { items, next: { collection: 'days', ...result.next } };
    position = { collection: 'hours', ...START_POSITION };
    if (items.length === query.limit || budget.pages === 0) return { items, next: position };
  }

  const pager = new OffsetPager(
    async (offset, limit) => {
      const page = await client.get(
        '/company/absence-periods',
        [...absencePeriodFilters(query), ['limit', String(limit)], ['offset', String(offset)]],
        AbsencePeriodListSchema,
      );
      return {
        records: page!.data.map((raw) => mapAbsencePeriod(raw, options)),
        total: page!.metadata?.total_elements ?? null,
      };
    },
    (request) => request.id,
    ABSENCE_PAGE_SIZE,
    {
      owner: client.shared,
      key: `absence-periods ${JSON.stringify([absencePeriodFilters(query), options])}`,
    },
  );
  const result = await scan(pager, position, query.limit - items.length, matches, budget);
  items.push(...result.matched);
  return { items, next: result.next ? { collection: 'hours', ...result.next } : null };
}

export async function getTimeoffRequest(
  client: PersonioClient,
  id: string,
  options: { includeRemoteData: boolean },
): Promise<TimeoffRequest | null> {
  if (TIME_OFF_ID.test(id)) {
    try {
      const response = await client.get(`/company/time-offs/${id}`, [], TimeOffResponseSchema, {
        notFoundAsNull: true,
      });
      return response ? mapTimeOffPeriod(response.data, options) : null;
    } catch (error) {
      // As on DELETE, an id Personio cannot have issued may get 400 "The absence period id is invalid."
      if (upstreamStatus(error) === 400) return null;
      throw error;
    }
  }
  if (ABSENCE_PERIOD_ID.test(id)) {
    // v1 has no single-item GET for absence periods; the list filtered by id stands in for it.
    const page = await client.get(
      '/company/absence-periods',
      [
        ['absence_periods[]', id],
        ['limit', String(ABSENCE_PAGE_SIZE)],
      ],
      AbsencePeriodListSchema,
    );
    const raw = page!.data.find((item) => item.attributes.id.toLowerCase() === id.toLowerCase());
    return raw ? mapAbsencePeriod(raw, options) : null;
  }
  return null;
}

export async function deleteTimeoffRequest(
  client: PersonioClient,
  id: string,
  options: WriteOptions,
): Promise<boolean> {
  const path = TIME_OFF_ID.test(id)
    ? `/company/time-offs/${id}`
    : ABSENCE_PERIOD_ID.test(id)
      ? `/company/absence-periods/${id.toLowerCase()}`
      : null;
  if (!path) return false;
  const send = async () => {
    // A keyed delete is re-sent only where Personio says it did not act; after a timeout it is checked.
    const retry = options.retry ? ('unprocessed' as const) : false;
    const response = await client.json({ method: 'DELETE', path, retry }, DeletedSchema, {
      notFoundAsNull: true,
    });
    return response !== null;
  };
  try {
    return await send();
  } catch (error) {
    // Personio answers 400 "The absence period id is invalid." for ids it cannot have issued.
    if (upstreamStatus(error) === 400) return false;
    if (!options.retry || !(error instanceof ApiError) || !outcomeUnknown(error)) throw error;
    // Outcome unknown: gone means this delete did it; still there means it can be sent again.
    if ((await getTimeoffRequest(client, id, { includeRemoteData: false })) === null) return true;
    return send();
  }
}

/** The filters, applied to mapped records; exact whatever Personio already filtered upstream. */
function matcher(query: TimeoffRequestListQuery) {
  const statuses = query.statuses?.length ? new Set(query.statuses) : null;
  const updatedAfter = query.updatedAfter?.getTime();
  return (request: TimeoffRequest): boolean => {
    if (query.employeeId !== undefined && request.employee.id !== query.employeeId) return false;
    if (query.timeoffTypeId !== undefined && request.timeoff_type?.id !== query.timeoffTypeId) return false;
    if (statuses && (request.status === null || !statuses.has(request.status))) return false;
    // Overlap: starts on or before the window's last day and ends on or after its first (open end: never).
    if (query.endDate !== undefined && request.start_date > query.endDate) return false;
    if (query.startDate !== undefined && request.end_date !== null && request.end_date < query.startDate) {
      return false;
    }
    if (
      updatedAfter !== undefined &&
      request.updated_at !== null &&
      Date.parse(request.updated_at) <= updatedAfter
    ) {
      return false;
    }
    return true;
  };
}

/**
 * What Personio may filter for time-offs. Only `end_date` bounds the window upstream: whether `start_date`
 * keeps absences that began before it is UNCONFIRMED (the spec reads "starts from start_date"; integrators
 * have seen overlapping ones returned), and absences can be arbitrarily long (parental leave), so no
 * widening would be safe. Under every reading `end_date` keeps whatever starts by the window's end; the
 * window's start is applied by the gateway. Cost: earlier history is read too.
 */
function timeOffFilters(query: TimeoffRequestListQuery): [string, string][] {
  const filters: [string, string][] = [];
  if (query.employeeId !== undefined) filters.push(['employees[]', query.employeeId]);
  if (query.endDate !== undefined) filters.push(['end_date', query.endDate]);
  if (query.updatedAfter) {
    // A date, inclusive, in an unstated zone: the day of (instant − 14 h) cannot start after the instant anywhere.
    const widened = new Date(query.updatedAfter.getTime() - UPDATED_WIDENING_MS);
    filters.push(['updated_from', widened.toISOString().slice(0, 10)]);
  }
  return filters;
}

/**
 * Absence periods are documented to match the window by intersection, so both sides go upstream, each
 * widened by a day in case Personio compares UTC dates rather than the period's local ones.
 */
function absencePeriodFilters(query: TimeoffRequestListQuery): [string, string][] {
  const filters: [string, string][] = [];
  if (query.employeeId !== undefined) filters.push(['employees[]', query.employeeId]);
  if (query.startDate !== undefined) filters.push(['start_date', shiftDate(query.startDate, -1)]);
  if (query.endDate !== undefined) filters.push(['end_date', shiftDate(query.endDate, 1)]);
  if (query.updatedAfter) {
    const widened = new Date(query.updatedAfter.getTime() - UPDATED_WIDENING_MS);
    filters.push(['updated_from', widened.toISOString()]);
  }
  return filters;
}

function shiftDate(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

function parsePosition(position: unknown): Position {
  if (position === undefined || position === null) return { collection: 'days', ...START_POSITION };
  const parsed = PositionSchema.safeParse(position);
  if (!parsed.success) {
    throw new ProviderError('invalid_input', 'The cursor is not valid for this list.', {
      details: [{ field: 'cursor', message: 'not a cursor of the time-off requests list' }],
    });
  }
  return parsed.data;
}

export function upstreamStatus(error: unknown): number | null {
  if (!(error instanceof ApiError)) return null;
  const status = (error.details as { upstream_status?: unknown } | undefined)?.upstream_status;
  return typeof status === 'number' ? status : null;
}
