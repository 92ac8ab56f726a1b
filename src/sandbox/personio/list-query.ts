import { PersonioRequestError } from './errors';

/** Personio enforces these on `/company/employees` since 2025-01-31 (the spec still says default 10). */
export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 100;

export interface EmployeeListQuery {
  limit: number;
  /** Record offset: index of the first matching employee to return. */
  offset: number;
  email?: string;
  updatedSinceMs?: number;
  /** `attributes[]` projection; undefined = no projection. */
  projection?: ReadonlySet<string>;
}

interface RawQuery {
  limit?: string;
  offset?: string;
  email?: string;
  updatedSince?: string;
  attributes?: string[];
}

export function parseEmployeeListQuery(raw: RawQuery): EmployeeListQuery {
  const projection = raw.attributes?.filter((key) => key !== '');
  const email = raw.email?.trim();
  return {
    limit: parseLimit(raw.limit),
    offset: parseOffset(raw.offset),
    email: email === '' ? undefined : email,
    updatedSinceMs: raw.updatedSince ? parseUpdatedSince(raw.updatedSince) : undefined,
    projection: projection && projection.length > 0 ? new Set(projection) : undefined,
  };
}

function parseLimit(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_LIMIT;
  if (!/^-?\d+$/.test(raw)) throw new PersonioRequestError(400, 'The limit must be an integer.');
  const limit = Number(raw);
  if (limit < 1) throw new PersonioRequestError(400, 'The limit must be at least 1.');
  if (limit > MAX_LIMIT)
    throw new PersonioRequestError(400, `The limit must not be greater than ${MAX_LIMIT}.`);
  return limit;
}

function parseOffset(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 0;
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw new PersonioRequestError(400, 'The offset must be a non-negative integer.');
  }
  return Number(raw);
}

const UPDATED_SINCE_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * `ISO 8601` (`2022-12-24T08:15:30`) or `YYYY-MM-DD` per the spec. A value without offset is read as UTC
 * (UNCONFIRMED: Personio does not say which zone it assumes).
 */
export function parseUpdatedSince(raw: string): number {
  const match = UPDATED_SINCE_PATTERN.exec(raw.trim());
  if (!match) throw invalidUpdatedSince();
  const part = (group: number) => Number(match[group] ?? 0);
  const [year, month, day, hour, minute, second] = [part(1), part(2), part(3), part(4), part(5), part(6)];
  const utcMs = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC silently rolls 2022-02-30 over into March; reject such values instead.
  const check = new Date(utcMs);
  if (
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    throw invalidUpdatedSince();
  }
  const fractionMs = match[7] ? Math.floor(Number(`0.${match[7]}`) * 1000) : 0;
  return utcMs + fractionMs - zoneOffsetMinutes(match[8]) * 60_000;
}

function invalidUpdatedSince(): PersonioRequestError {
  return new PersonioRequestError(
    400,
    'updated_since must be an ISO 8601 date-time (2022-12-24T08:15:30) or YYYY-MM-DD.',
  );
}

function zoneOffsetMinutes(zone: string | undefined): number {
  if (zone === undefined || zone === 'Z') return 0;
  const digits = zone.replace(':', '');
  const sign = digits.startsWith('-') ? -1 : 1;
  return sign * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)));
}
