import { z } from 'zod';
import type { Employee } from '../../models/employee';
import { ProviderError } from '../errors';
import type { EmployeeListQuery, Page } from '../types';
import type { PersonioClient } from './client';
import { mapEmployee, mapEmploymentStatus } from './mappers/employee';
import { attributeValue, instant } from './mappers/values';
import { prefetch, takeOr } from './page-prefetch';
import { EmployeeListSchema, EmployeeResponseSchema, type PersonioEmployee } from './schemas';

/** Personio's enforced maximum page size for `GET /company/employees`. */
export const PERSONIO_EMPLOYEE_PAGE_SIZE = 100;
/** Upper bound on upstream pages read for one filtered unified page, so a sparse filter cannot stall a call. */
const MAX_SCANNED_PAGES = 10;

/** Cursor state: the record offset in Personio's (id-ordered) list where the next unified page starts. */
const PositionSchema = z.object({ offset: z.number().int().nonnegative() });

export async function listEmployees(
  client: PersonioClient,
  query: EmployeeListQuery,
): Promise<Page<Employee>> {
  const start = parsePosition(query.position);
  const upstreamFilters: [string, string][] = [];
  if (query.email) upstreamFilters.push(['email', query.email]);
  if (query.updatedAfter) {
    // Personio does not say in which time zone it reads `updated_since`; asking from 14 h earlier
    // (the widest UTC offset) cannot miss a change, and the exact cut is made below.
    const widened = new Date(query.updatedAfter.getTime() - 14 * 3_600_000);
    upstreamFilters.push(['updated_since', widened.toISOString().slice(0, 19)]);
  }
  const keyOf = (offset: number, limit: number) =>
    `employees ${JSON.stringify(upstreamFilters)} ${offset} ${limit}`;
  const fetchPage = (offset: number, limit: number) =>
    takeOr(client.shared, keyOf(offset, limit), () =>
      fetchEmployeePage(client, upstreamFilters, offset, limit),
    );

  const filterLocally = Boolean(query.employmentStatus?.length || query.updatedAfter);
  const result = filterLocally
    ? await scanFiltered(fetchPage, start, query)
    : await readContiguous(fetchPage, start, query.limit);
  if (result.nextOffset !== null && query.position !== undefined && query.position !== null) {
    // A walk in progress: the next call's upstream pages are fetched while this one is mapped and sent.
    const next = result.nextOffset;
    const ahead = filterLocally
      ? [[next, PERSONIO_EMPLOYEE_PAGE_SIZE] as const]
      : upstreamPages(next, query.limit).filter(([offset]) => result.total === null || offset < result.total);
    for (const [offset, limit] of ahead) {
      prefetch(client.shared, keyOf(offset, limit), () =>
        fetchEmployeePage(client, upstreamFilters, offset, limit),
      );
    }
  }
  return {
    items: result.records.map((record) =>
      mapEmployee(record, { includeRemoteData: query.includeRemoteData }),
    ),
    next: result.nextOffset === null ? null : { offset: result.nextOffset },
  };
}

export async function getEmployee(
  client: PersonioClient,
  id: string,
  options: { includeRemoteData: boolean },
): Promise<Employee | null> {
  // Personio ids are positive integers; anything else cannot name an employee.
  if (!/^[1-9]\d{0,15}$/.test(id)) return null;
  const response = await client.get(`/company/employees/${id}`, [], EmployeeResponseSchema, {
    notFoundAsNull: true,
  });
  return response ? mapEmployee(response.data, options) : null;
}

interface UpstreamPage {
  records: PersonioEmployee[];
  total: number | null;
}

type PageFetcher = (offset: number, limit: number) => Promise<UpstreamPage>;

async function fetchEmployeePage(
  client: PersonioClient,
  filters: [string, string][],
  offset: number,
  limit: number,
): Promise<UpstreamPage> {
  const query: [string, string][] = [...filters, ['limit', String(limit)], ['offset', String(offset)]];
  const page = await client.get('/company/employees', query, EmployeeListSchema);
  return { records: page!.data, total: page!.metadata?.total_elements ?? null };
}

/**
 * No gateway-side filter: the unified page is the next `limit` upstream records. Pages larger
 * than Personio's 100 are fetched as several upstream pages at once, since their offsets are known.
 */
async function readContiguous(fetchPage: PageFetcher, start: number, limit: number) {
  const pages = await Promise.all(
    upstreamPages(start, limit).map(([offset, size]) => fetchPage(offset, size)),
  );
  const records: PersonioEmployee[] = [];
  let exhausted = false;
  let total: number | null = null;
  for (const [index, page] of pages.entries()) {
    total = page.total ?? total;
    records.push(...page.records);
    const requested = Math.min(
      PERSONIO_EMPLOYEE_PAGE_SIZE,
      start + limit - (start + index * PERSONIO_EMPLOYEE_PAGE_SIZE),
    );
    if (page.records.length < requested) {
      exhausted = true;
      break;
    }
  }
  const nextOffset = start + records.length;
  const more = !exhausted && records.length > 0 && (total === null || nextOffset < total);
  return { records, nextOffset: more ? nextOffset : null, total };
}

/** The upstream pages (offset, size) of `limit` records from `start`, at most Personio's 100 each. */
function upstreamPages(start: number, limit: number): (readonly [number, number])[] {
  const pages: (readonly [number, number])[] = [];
  for (let offset = start; offset < start + limit; offset += PERSONIO_EMPLOYEE_PAGE_SIZE) {
    pages.push([offset, Math.min(PERSONIO_EMPLOYEE_PAGE_SIZE, start + limit - offset)]);
  }
  return pages;
}

/**
 * With a filter Personio lacks, records are scanned in upstream order and kept when they match;
 * the cursor then points just past the last record examined, so no record is skipped or
 * repeated however the matches fall across upstream pages. A page may hold fewer than `limit`
 * results when matches are sparse; `next_cursor` still leads on.
 */
async function scanFiltered(
  fetchPage: PageFetcher,
  start: number,
  query: EmployeeListQuery,
): Promise<{ records: PersonioEmployee[]; nextOffset: number | null; total: number | null }> {
  const statuses = query.employmentStatus?.length ? new Set(query.employmentStatus) : null;
  const updatedAfter = query.updatedAfter?.getTime();
  const records: PersonioEmployee[] = [];
  let offset = start;
  for (let scanned = 0; scanned < MAX_SCANNED_PAGES; scanned++) {
    const page = await fetchPage(offset, PERSONIO_EMPLOYEE_PAGE_SIZE);
    for (const [index, record] of page.records.entries()) {
      if (matches(record, statuses, updatedAfter)) {
        records.push(record);
        if (records.length === query.limit) {
          const nextOffset = offset + index + 1;
          const more = index + 1 < page.records.length || page.total === null || nextOffset < page.total;
          return { records, nextOffset: more ? nextOffset : null, total: page.total };
        }
      }
    }
    offset += page.records.length;
    if (page.records.length < PERSONIO_EMPLOYEE_PAGE_SIZE || (page.total !== null && offset >= page.total)) {
      return { records, nextOffset: null, total: page.total };
    }
  }
  return { records, nextOffset: offset, total: null };
}

function matches(
  record: PersonioEmployee,
  statuses: Set<string> | null,
  updatedAfter: number | undefined,
): boolean {
  if (statuses) {
    if (record.attributes.status === undefined || record.attributes.status === null) {
      throw new ProviderError(
        'forbidden',
        'The employment_status filter needs the Personio attribute `status`, which this credential cannot read.',
        { details: { personio_attribute: 'status' } },
      );
    }
    const mapped = mapEmploymentStatus(attributeValue(record.attributes, 'status'));
    if (!mapped || !statuses.has(mapped)) return false;
  }
  if (updatedAfter !== undefined) {
    // Personio already filters with `updated_since`; re-checking keeps "strictly after" exact at second precision.
    const modified = instant(attributeValue(record.attributes, 'last_modified_at'));
    if (modified !== null && Date.parse(modified) <= updatedAfter) return false;
  }
  return true;
}

function parsePosition(position: unknown): number {
  if (position === undefined || position === null) return 0;
  const parsed = PositionSchema.safeParse(position);
  if (!parsed.success) {
    throw new ProviderError('invalid_input', 'The cursor is not valid for this list.', {
      details: [{ field: 'cursor', message: 'not a cursor of the employees list' }],
    });
  }
  return parsed.data.offset;
}
