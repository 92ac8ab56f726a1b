import type { Context } from 'hono';
import { badRequest } from './problem';

/**
 * v2 cursor pagination (REFERENCE §4.1): `limit` + opaque `cursor`, `_meta.links.next.href` on every page
 * but the last. The simulator's cursor is the offset into the filtered list plus a digest of the filters it
 * was issued for, so a cursor sent with other filters is refused (400) rather than silently misread.
 * Whether Personio needs the filters resent with a cursor is UNCONFIRMED; the `next` link here repeats
 * them, so a client following the link verbatim and one resending its filters both work.
 */

export interface ListOptions {
  defaultLimit: number;
  maxLimit: number;
}

export function parseLimit(c: Context, options: ListOptions): number {
  const raw = c.req.query('limit');
  if (raw === undefined) return options.defaultLimit;
  if (!/^\d+$/.test(raw)) throw badRequest();
  const limit = Number(raw);
  if (limit < 1 || limit > options.maxLimit) throw badRequest();
  return limit;
}

/** The query parameters a list filters on (everything but `limit` and `cursor`), sorted. */
function filterSignature(url: URL): string {
  const entries = [...url.searchParams.entries()].filter(([key]) => key !== 'limit' && key !== 'cursor');
  entries.sort(([a, x], [b, y]) => (a === b ? x.localeCompare(y) : a.localeCompare(b)));
  return new URLSearchParams(entries).toString();
}

function digest(text: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(36);
}

function readCursor(c: Context, url: URL): number {
  const raw = c.req.query('cursor');
  if (raw === undefined || raw === '') return 0;
  const match = /^cur_([0-9a-z]+)_([0-9a-z]+)$/.exec(raw);
  if (!match || match[2] !== digest(filterSignature(url)))
    throw badRequest('The provided cursor is invalid.');
  return Number.parseInt(match[1]!, 36);
}

/** One page of `items` in the v2 list envelope, with `self` and (unless last) `next` links. */
export function listPage<Item>(c: Context, items: Item[], options: ListOptions) {
  const url = new URL(c.req.url);
  const limit = parseLimit(c, options);
  const offset = readCursor(c, url);
  const page = items.slice(offset, offset + limit);
  const links: Record<string, { href: string }> = { self: { href: url.toString() } };
  if (offset + limit < items.length) {
    const next = new URL(url);
    next.searchParams.set('cursor', `cur_${(offset + limit).toString(36)}_${digest(filterSignature(url))}`);
    next.searchParams.set('limit', String(limit));
    links.next = { href: next.toString() };
  }
  return { _data: page, _meta: { links } };
}

/** A comma-separated filter (`id=a,b`), or undefined when absent. */
export function csv(c: Context, name: string): string[] | undefined {
  const raw = c.req.query(name);
  if (raw === undefined) return undefined;
  const values = raw.split(',').map((value) => value.trim());
  if (values.some((value) => value === '')) throw badRequest();
  return values;
}

/** A date-time filter as epoch ms (offset required unless `local`, which compares wall-clock strings). */
export function instantFilter(c: Context, name: string): number | undefined {
  const raw = c.req.query(name);
  if (raw === undefined) return undefined;
  const ms = Date.parse(raw);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(raw) || Number.isNaN(ms)) {
    throw badRequest();
  }
  return ms;
}

/** A local date-time filter (`2026-06-01T00:00:00`, no offset), normalised to `YYYY-MM-DDTHH:mm:ss`. */
export function localFilter(c: Context, name: string): string | undefined {
  const raw = c.req.query(name);
  if (raw === undefined) return undefined;
  const match = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2})(:\d{2})?)?$/.exec(raw);
  if (!match || Number.isNaN(Date.parse(`${match[1]}T00:00:00Z`))) throw badRequest();
  return `${match[1]}T${match[2] ?? '00:00'}${match[3] ?? ':00'}`;
}

/** Rejects dotted operators the endpoint does not know (`id.nooperator=`), as Personio does. */
export function rejectUnknownFilters(c: Context, known: readonly string[]): void {
  for (const key of new URL(c.req.url).searchParams.keys()) {
    if (key === 'limit' || key === 'cursor') continue;
    if (!known.includes(key)) throw badRequest('Provided filter encoding is invalid.');
  }
}
