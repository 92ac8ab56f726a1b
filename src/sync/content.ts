import { sha256Hex } from '../crypto/encoding';

/**
 * Fields that change without anything a consumer cares about having changed: a volatile-only difference
 * updates the copy silently, and such fields never decide whether an event is due.
 */
export const VOLATILE_FIELDS = new Set(['updated_at', 'remote_data']);

/** JSON with object keys sorted at every level, so equal records always serialise alike. */
export function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, entry]) => entry !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${stableJson(entry)}`).join(',')}}`;
}

/** The record without its volatile fields: what the content hash and `previous_attributes` look at. */
export function essentialFields(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([key]) => !VOLATILE_FIELDS.has(key)));
}

export function contentHash(record: Record<string, unknown>): Promise<string> {
  return sha256Hex(stableJson(essentialFields(record)));
}

/**
 * The record as PostgreSQL can store it: text and JSON refuse U+0000, so one NUL in a name from Personio
 * would fail its page's transaction on every pass. NULs are dropped from every string, keys included.
 */
export function storable(value: unknown): unknown {
  if (typeof value === 'string') return value.includes('\u0000') ? value.replaceAll('\u0000', '') : value;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(storable);
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, entry]) => [
      storable(key) as string,
      storable(entry),
    ]),
  );
}
