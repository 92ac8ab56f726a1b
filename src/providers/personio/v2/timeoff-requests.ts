import { z } from 'zod';
import type { Cache } from '../../../cache/types';
import type { TimeoffRequest } from '../../../models/timeoff';
import { ProviderError } from '../../errors';
import type { Page, TimeoffRequestListQuery } from '../../types';
import type { PersonioV2Client, V2Page } from './client';
import { mapAbsencePeriodV2 } from './mappers';
import {
  type V2AbsencePeriod,
  V2AbsencePeriodSchema,
  type V2AbsenceType,
  V2AbsenceTypeSchema,
  type V2Breakdown,
  V2BreakdownSchema,
} from './schemas';

/**
 * Unified time-off requests from v2 `/v2/absence-periods`: one collection for day- and hour-unit absences,
 * with the window, employee, type and `updated_after` filtered by Personio, so a window pull reads no
 * history outside the window. The duration lives in each period's breakdowns: one call per returned
 * record (never for records the filters drop). The cursor holds Personio's cursor of the page being read
 * and how many of its records this walk has already examined.
 */

/** Personio's maximum and the only size asked for, so a stored cursor always addresses the same page. */
export const V2_ABSENCE_PAGE_SIZE = 100;
/** Upstream list pages read for one unified page, so a sparse filter cannot stall a call; the cursor carries on. */
const MAX_SCANNED_PAGES = 10;
/** Days per breakdown page: REFERENCE gives no limit for breakdowns, so the generic v2 maximum (§4.1). */
const BREAKDOWN_PAGE_SIZE = 200;
/** Breakdown calls in flight at once for one unified page. */
const BREAKDOWN_CONCURRENCY = 4;
const EMPLOYEE_ID = /^[1-9]\d{0,15}$/;

export const V2PositionSchema = z.object({
  api: z.literal('v2'),
  cursor: z.string().min(1).max(2048).nullable(),
  examined: z.number().int().min(0).max(V2_ABSENCE_PAGE_SIZE),
});
export type V2Position = z.infer<typeof V2PositionSchema>;

export function isV2Position(position: unknown): boolean {
  return typeof position === 'object' && position !== null && (position as { api?: unknown }).api === 'v2';
}

/**
 * Breakdowns (and the absence types) already read, shared by every process through the cache. A period's breakdown is taken to
 * change only with the period (`updated_at` is in the key); ASSUMED, as a change of the person's work
 * schedule or holiday calendar might move it without touching the period, so entries also expire.
 */
export interface BreakdownCache {
  cache: Cache;
  /** Names the account (its token-cache key): one account never reads another's entries. */
  accountKey: string;
}
const BREAKDOWN_TTL_MS = 6 * 3_600_000;

export async function listTimeoffRequestsV2(
  client: PersonioV2Client,
  query: TimeoffRequestListQuery,
  breakdownCache?: BreakdownCache,
): Promise<Page<TimeoffRequest>> {
  let position = parsePosition(query.position);
  if (query.employeeId !== undefined && !EMPLOYEE_ID.test(query.employeeId)) return { items: [], next: null };
  const filters = upstreamFilters(query);
  const types = await cachedAbsenceTypes(client, breakdownCache);
  const matches = matcher(query, types);
  const chosen: V2AbsencePeriod[] = [];
  let next: V2Position | null = null;

  for (let pages = 0; ; pages++) {
    if (pages === MAX_SCANNED_PAGES) {
      next = position;
      break;
    }
    const page = await client.page('/v2/absence-periods', filters, position.cursor, V2AbsencePeriodSchema);
    let index = position.examined;
    for (; index < page.items.length && chosen.length < query.limit; index++) {
      if (matches(page.items[index]!)) chosen.push(page.items[index]!);
    }
    if (index < page.items.length) {
      next = { api: 'v2', cursor: position.cursor, examined: index };
      break;
    }
    if (page.next === null) break;
    position = { api: 'v2', cursor: page.next, examined: 0 };
    if (chosen.length === query.limit) {
      next = position;
      break;
    }
  }

  const breakdowns = await mapLimited(chosen, BREAKDOWN_CONCURRENCY, (period) =>
    cachedBreakdowns(client, period, breakdownCache),
  );
  const items = chosen.map((period, index) =>
    mapAbsencePeriodV2(period, types.get(period.absence_type.id), breakdowns[index]!, {
      includeRemoteData: query.includeRemoteData,
    }),
  );
  return { items, next };
}

/** The company's absence types (names, units) change rarely: read once per account per few minutes. */
const ABSENCE_TYPES_TTL_MS = 5 * 60_000;

async function cachedAbsenceTypes(
  client: PersonioV2Client,
  store: BreakdownCache | undefined,
): Promise<Map<string, V2AbsenceType>> {
  if (!store) return absenceTypes(client);
  const key = `personio:v2-absence-types:${store.accountKey}`;
  const cached = await store.cache.get(key);
  if (cached) {
    const parsed = z.array(V2AbsenceTypeSchema).safeParse(JSON.parse(cached));
    if (parsed.success) return new Map(parsed.data.map((type) => [type.id, type]));
  }
  const fresh = await absenceTypes(client);
  await store.cache.set(key, JSON.stringify([...fresh.values()]), ABSENCE_TYPES_TTL_MS);
  return fresh;
}

export async function absenceTypes(client: PersonioV2Client): Promise<Map<string, V2AbsenceType>> {
  const types = new Map<string, V2AbsenceType>();
  let cursor: string | null = null;
  do {
    const page: V2Page<V2AbsenceType> = await client.page(
      '/v2/absence-types',
      [['limit', '100']],
      cursor,
      V2AbsenceTypeSchema,
    );
    for (const type of page.items) types.set(type.id, type);
    cursor = page.next;
  } while (cursor !== null);
  return types;
}

async function cachedBreakdowns(
  client: PersonioV2Client,
  period: V2AbsencePeriod,
  store: BreakdownCache | undefined,
): Promise<V2Breakdown[]> {
  if (!store || !period.updated_at) return breakdownsOf(client, period.id);
  const key = `personio:v2-breakdown:${store.accountKey}:${period.id}:${period.updated_at}`;
  const cached = await store.cache.get(key);
  if (cached) {
    const parsed = z.array(V2BreakdownSchema).safeParse(JSON.parse(cached));
    if (parsed.success) return parsed.data;
  }
  const fresh = await breakdownsOf(client, period.id);
  await store.cache.set(key, JSON.stringify(fresh), BREAKDOWN_TTL_MS);
  return fresh;
}

async function breakdownsOf(client: PersonioV2Client, id: string) {
  const days: V2Breakdown[] = [];
  let cursor: string | null = null;
  do {
    const page: V2Page<V2Breakdown> = await client.page(
      `/v2/absence-periods/${encodeURIComponent(id)}/breakdowns`,
      [['limit', String(BREAKDOWN_PAGE_SIZE)]],
      cursor,
      V2BreakdownSchema,
    );
    days.push(...page.items);
    cursor = page.next;
  } while (cursor !== null);
  return days;
}

async function mapLimited<In, Out>(
  inputs: In[],
  limit: number,
  fn: (input: In) => Promise<Out>,
): Promise<Out[]> {
  const results: Out[] = new Array(inputs.length);
  let nextIndex = 0;
  const worker = async () => {
    while (nextIndex < inputs.length) {
      const index = nextIndex++;
      results[index] = await fn(inputs[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, inputs.length) }, worker));
  return results;
}

/**
 * What Personio filters: the window as "ends on or after its first day and starts on or before its last"
 * (local wall-clock strings, as v2 compares them; an open end never fails), the employee, the type and
 * `updated_at`. Exact again below, so a looser reading upstream costs reads, never correctness.
 */
function upstreamFilters(query: TimeoffRequestListQuery): [string, string][] {
  const filters: [string, string][] = [['limit', String(V2_ABSENCE_PAGE_SIZE)]];
  if (query.employeeId !== undefined) filters.push(['person.id', query.employeeId]);
  if (query.timeoffTypeId !== undefined) filters.push(['absence_type.id', query.timeoffTypeId]);
  if (query.startDate !== undefined) filters.push(['ends_at.date_time.gte', `${query.startDate}T00:00:00`]);
  if (query.endDate !== undefined) filters.push(['starts_from.date_time.lte', `${query.endDate}T23:59:59`]);
  if (query.updatedAfter) filters.push(['updated_at.gte', query.updatedAfter.toISOString()]);
  return filters;
}

/**
 * Every unified filter, exact, on the record as it will be mapped (the duration aside, which no filter
 * reads): the same rules as the v1 path, so both keep the same records.
 */
function matcher(query: TimeoffRequestListQuery, types: Map<string, V2AbsenceType>) {
  const statuses = query.statuses?.length ? new Set(query.statuses) : null;
  const updatedAfter = query.updatedAfter?.getTime();
  return (period: V2AbsencePeriod): boolean => {
    const request = mapAbsencePeriodV2(period, types.get(period.absence_type.id), []);
    if (query.employeeId !== undefined && request.employee.id !== query.employeeId) return false;
    if (query.timeoffTypeId !== undefined && request.timeoff_type?.id !== query.timeoffTypeId) return false;
    if (statuses && (request.status === null || !statuses.has(request.status))) return false;
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

function parsePosition(position: unknown): V2Position {
  if (position === undefined || position === null) return { api: 'v2', cursor: null, examined: 0 };
  const parsed = V2PositionSchema.safeParse(position);
  if (!parsed.success) {
    throw new ProviderError('invalid_input', 'The cursor is not valid for this list.', {
      details: [{ field: 'cursor', message: 'not a cursor of the time-off requests list' }],
    });
  }
  return parsed.data;
}
