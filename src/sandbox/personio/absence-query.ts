import type { Context } from 'hono';
import { PersonioRequestError } from './errors';
import { parseUpdatedSince } from './list-query';

/**
 * How a list endpoint reads `offset`. The spec texts disagree between endpoints (REFERENCE §3.2):
 * `page` = 0-based page number (time-offs: "which page number you are requesting", pages 0…n-1 per the
 * metadata schema; absence-periods: page-level since the 2023-08-25 changelog); `page-from-1` = 1-based
 * page where 0 is read as 1 (what integrators report seeing on time-offs); `record` = records to skip
 * (time-off-types: "an offset from the first record").
 */
export type OffsetSemantics = 'page' | 'page-from-1' | 'record';

/** Personio's documented default page size for the absence endpoints; no maximum is documented. */
export const ABSENCE_DEFAULT_LIMIT = 200;

export interface Paging {
  limit: number;
  offset: number;
}

export function parsePaging(c: Context): Paging {
  const rawLimit = c.req.query('limit');
  const rawOffset = c.req.query('offset');
  let limit = ABSENCE_DEFAULT_LIMIT;
  if (rawLimit !== undefined && rawLimit !== '') {
    if (!/^\d+$/.test(rawLimit) || Number(rawLimit) < 1) {
      throw new PersonioRequestError(400, 'The limit must be a positive integer.');
    }
    limit = Number(rawLimit);
  }
  let offset = 0;
  if (rawOffset !== undefined && rawOffset !== '') {
    if (!/^\d+$/.test(rawOffset) || !Number.isSafeInteger(Number(rawOffset))) {
      throw new PersonioRequestError(400, 'The offset must be a non-negative integer.');
    }
    offset = Number(rawOffset);
  }
  return { limit, offset };
}

/** Where a page starts and the page number Personio reports for it, under each reading of `offset`. */
export function pageWindow(semantics: OffsetSemantics, { limit, offset }: Paging) {
  if (semantics === 'record') return { start: offset, currentPage: Math.floor(offset / limit) };
  if (semantics === 'page-from-1') {
    const page = Math.max(offset, 1);
    return { start: (page - 1) * limit, currentPage: page };
  }
  return { start: offset * limit, currentPage: offset };
}

/** The v1 list envelope shared by time-offs and absence periods. */
export function listEnvelope<Item>(items: readonly Item[], semantics: OffsetSemantics, paging: Paging) {
  const { start, currentPage } = pageWindow(semantics, paging);
  return {
    success: true,
    metadata: {
      total_elements: items.length,
      current_page: currentPage,
      total_pages: Math.ceil(items.length / paging.limit),
    },
    offset: paging.offset,
    limit: paging.limit,
    data: items.slice(start, start + paging.limit),
  };
}

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A `YYYY-MM-DD` parameter as 00:00 UTC of that day; undefined when absent. */
export function parseDay(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const day = dayOf(raw);
  if (day === undefined) throw new PersonioRequestError(400, `The ${name} must be a date (YYYY-MM-DD).`);
  return day;
}

export function dayOf(raw: string): number | undefined {
  const match = DATE_PATTERN.exec(raw);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const epochMs = Date.UTC(year, month - 1, day);
  const check = new Date(epochMs);
  return check.getUTCMonth() === month - 1 && check.getUTCDate() === day ? epochMs : undefined;
}

/** A date-time parameter (absence periods' `updated_from`/`updated_to`); no offset means UTC. */
export function parseInstant(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  try {
    return parseUpdatedSince(raw);
  } catch {
    throw new PersonioRequestError(400, `The ${name} must be an ISO 8601 date-time.`);
  }
}

/** `employees[]=1&employees[]=2`; undefined when not given. */
export function parseEmployeeIds(raw: string[] | undefined): number[] | undefined {
  const values = raw?.filter((value) => value !== '');
  if (!values || values.length === 0) return undefined;
  return values.map((value) => {
    if (!/^\d+$/.test(value)) throw new PersonioRequestError(400, 'The employees[] must be integer ids.');
    return Number(value);
  });
}

export function parseStrings(raw: string[] | undefined): string[] | undefined {
  const values = raw?.filter((value) => value !== '');
  return values && values.length > 0 ? values : undefined;
}

/**
 * Body fields of a create call. The spec documents form encoding; JSON is accepted too (UNCONFIRMED for
 * Personio, cheap to allow). Values are kept as strings, the way a form delivers them.
 */
export async function readFields(c: Context): Promise<Record<string, string>> {
  const contentType = c.req.header('content-type') ?? '';
  const fields: Record<string, string> = {};
  if (contentType.includes('application/json')) {
    const body: unknown = await c.req.json().catch(() => {
      throw new PersonioRequestError(400, 'The request body is not valid JSON.');
    });
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return fields;
    for (const [key, value] of Object.entries(body)) {
      if (value === null || value === undefined) continue;
      fields[key] = typeof value === 'object' ? JSON.stringify(value) : String(value);
    }
    return fields;
  }
  const body = await c.req.parseBody();
  for (const [key, value] of Object.entries(body)) if (typeof value === 'string') fields[key] = value;
  return fields;
}

/** Form booleans as Laravel reads them: 1/0/true/false; anything else is a validation error. */
export function formBoolean(raw: string | undefined): boolean | undefined | 'invalid' {
  if (raw === undefined || raw === '') return undefined;
  if (raw === '1' || raw === 'true') return true;
  if (raw === '0' || raw === 'false') return false;
  return 'invalid';
}
