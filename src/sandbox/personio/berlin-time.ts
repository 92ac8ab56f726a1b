/**
 * Personio renders timestamps in the company's zone with an explicit offset
 * (`2017-05-23T09:49:03+02:00`). The sandbox company sits in Europe/Berlin; the EU DST rule is computed
 * by hand because `Intl` time-zone data is not guaranteed in every runtime the sandbox is bundled for.
 */

const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

/** Last Sunday of a month (0-based), 01:00 UTC: the instant EU clocks change. */
function euClockChangeUtc(year: number, month: number): number {
  const lastDay = new Date(Date.UTC(year, month + 1, 0));
  return Date.UTC(year, month, lastDay.getUTCDate() - lastDay.getUTCDay(), 1);
}

/** [start, end) of summer time per year; memoised because every seeded timestamp needs it. */
const summerTimeByYear = new Map<number, readonly [number, number]>();

export function berlinOffsetMinutes(epochMs: number): number {
  const year = new Date(epochMs).getUTCFullYear();
  let summer = summerTimeByYear.get(year);
  if (!summer) {
    summer = [euClockChangeUtc(year, 2), euClockChangeUtc(year, 9)];
    summerTimeByYear.set(year, summer);
  }
  return epochMs >= summer[0] && epochMs < summer[1] ? 120 : 60;
}

function offsetSuffix(minutes: number): string {
  const hours = String(Math.floor(minutes / 60)).padStart(2, '0');
  const rest = String(minutes % 60).padStart(2, '0');
  return `+${hours}:${rest}`;
}

/** `2020-11-18T17:33:55+01:00` */
export function formatBerlinDateTime(epochMs: number): string {
  const offset = berlinOffsetMinutes(epochMs);
  const local = new Date(epochMs + offset * MINUTE_MS).toISOString().slice(0, 19);
  return `${local}${offsetSuffix(offset)}`;
}

/**
 * A calendar day as Personio sends date attributes: local midnight with offset (`2014-11-09T00:00:00+01:00`).
 * Clocks change at 01:00 UTC, so the offset at 00:00 UTC of that day equals the offset at local midnight.
 */
export function formatBerlinDate(dayEpochMs: number): string {
  return `${formatIsoDay(dayEpochMs)}T00:00:00${offsetSuffix(berlinOffsetMinutes(dayEpochMs))}`;
}

/** `YYYY-MM-DD` of a UTC day (custom date attributes use this plain form). */
export function formatIsoDay(dayEpochMs: number): string {
  return new Date(dayEpochMs).toISOString().slice(0, 10);
}

/** Start (00:00 UTC) of the day containing `epochMs`. */
export function startOfUtcDay(epochMs: number): number {
  return Math.floor(epochMs / DAY_MS) * DAY_MS;
}

export function addMonths(dayEpochMs: number, months: number): number {
  const date = new Date(dayEpochMs);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, date.getUTCDate());
}
