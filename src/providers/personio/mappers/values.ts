import { isAttribute } from '../schemas';

/** Personio sends unset strings as "" or null; the unified API says `null` for both. */
export function text(value: unknown): string | null {
  if (typeof value === 'string') {
    const trimmed = value.trim();
    return trimmed === '' ? null : trimmed;
  }
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

export function number(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value.trim().replace(',', '.'));
    return Number.isFinite(parsed) ? parsed : null;
  }
  return null;
}

export function id(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  return null;
}

/**
 * Personio dates come as `2014-11-09T00:00:00+01:00` (standard attributes) or `2014-11-09`
 * (custom ones). The calendar date is the part before `T`, in Personio's own offset:
 * converting to UTC first would move midnight-CET dates to the previous day.
 */
export function calendarDate(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const match = /^(\d{4}-\d{2}-\d{2})(?:$|[T ])/.exec(value.trim());
  return match ? match[1]! : null;
}

const OFFSET_WITHOUT_COLON = /([+-]\d{2})(\d{2})$/;

/** Printable ASCII: nothing `trim()` would remove. */
function printable(code: number): boolean {
  return code > 32 && code < 127;
}

/** Instants (`created_at`, `last_modified_at`) normalised to UTC ISO 8601. */
export function instant(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  // Two per employee on every page: the usual `…+01:00` goes straight to Date.parse.
  let normalised = value;
  const last = value.length - 1;
  if (last < 0 || !printable(value.charCodeAt(0)) || !printable(value.charCodeAt(last)))
    normalised = value.trim();
  if (normalised === '') return null;
  if (OFFSET_WITHOUT_COLON.test(normalised)) normalised = normalised.replace(OFFSET_WITHOUT_COLON, '$1:$2');
  const time = Date.parse(normalised);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}

/** An attribute's `value`; null when it is missing or not an attribute object (an unread one may be anything). */
export function attributeValue(attributes: Record<string, unknown>, key: string): unknown {
  const attribute = attributes[key];
  return isAttribute(attribute) ? (attribute.value ?? null) : null;
}
