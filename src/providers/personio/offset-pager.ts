import { z } from 'zod';
import { ProviderError } from '../errors';
import { prefetch, takeOr } from './page-prefetch';

/**
 * Walks a Personio v1 list whose `offset` parameter is ambiguous. The spec calls it a page number for
 * time-offs, a record offset for time-off types and attendances, and absence periods switched from records
 * to pages in 2023; integrators report time-off pages counting from 1 with 0 read as 1 (REFERENCE §3.2).
 *
 * The pager always asks for the same page size and counts logical pages of that size from 0. Page 0 is
 * `offset=0` under every reading. For page 1 it sends `offset=1` (right if pages count from 0) and checks
 * the answer against the first two ids of page 0: the same first id means pages count from 1, the second id
 * means records; it then asks again with the right offset. So a wrong guess costs one request once per walk
 * and never a skipped or repeated record. The reading found travels in the cursor. (A server that counts
 * pages from 1 and answers `offset=0` with nothing is recognised by its `total_elements`; without totals
 * it would look empty. Both absence lists send totals.)
 */

export const OFFSET_MODES = ['page', 'page-from-1', 'record'] as const;
export type OffsetMode = (typeof OFFSET_MODES)[number];

export const PagerPositionSchema = z.object({
  /** Logical page (of `pageSize` records) from 0. */
  page: z.number().int().nonnegative(),
  /** Records of that page already handed out (or examined and filtered away). */
  skip: z.number().int().nonnegative(),
  mode: z.enum(OFFSET_MODES).nullable(),
  /** First ids of page 0 while the mode is unknown. */
  probe: z.array(z.string()).max(2).optional(),
});
export type PagerPosition = z.infer<typeof PagerPositionSchema>;

export const START_POSITION: PagerPosition = { page: 0, skip: 0, mode: null };

export interface UpstreamPage<Record> {
  records: Record[];
  /** `metadata.total_elements` when Personio sends it. */
  total: number | null;
}

export type PageFetcher<Record> = (offset: number, limit: number) => Promise<UpstreamPage<Record>>;

export interface PageRead<Record> {
  records: Record[];
  last: boolean;
  mode: OffsetMode | null;
  probe: string[] | undefined;
}

/** Where a pager keeps pages read ahead: per `owner` (the client of one linked account), under `key` (list and filters). */
export interface ReadAhead {
  owner: object;
  key: string;
}

export class OffsetPager<Record> {
  private readonly fetchPage: PageFetcher<Record>;

  constructor(
    private readonly fetchUpstream: PageFetcher<Record>,
    private readonly idOf: (record: Record) => string,
    readonly pageSize: number,
    private readonly readAhead?: ReadAhead,
  ) {
    this.fetchPage = readAhead
      ? (offset, limit) =>
          takeOr(readAhead.owner, `${readAhead.key} ${offset} ${limit}`, () => fetchUpstream(offset, limit))
      : fetchUpstream;
  }

  /**
   * Starts fetching the page at `position` for a later call (see page-prefetch.ts), once the offset reading
   * is settled: while it is open the next request is a probe whose offset depends on the answer.
   */
  readAheadAt(position: PagerPosition): void {
    const { readAhead } = this;
    if (!readAhead || position.mode === null) return;
    const offset = offsetOf(position.page, position.mode, this.pageSize);
    const size = this.pageSize;
    prefetch(readAhead.owner, `${readAhead.key} ${offset} ${size}`, () => this.fetchUpstream(offset, size));
  }

  /** The records of logical page `position.page`, settling the offset reading when it is still open. */
  async read(position: PagerPosition): Promise<PageRead<Record>> {
    const size = this.pageSize;
    let mode = position.mode;
    let result: UpstreamPage<Record>;
    if (position.page === 0) {
      result = await this.fetchPage(0, size);
      if (result.records.length === 0 && (result.total ?? 0) > 0) {
        // Pages counted from 1 by a server that does not read 0 as 1.
        mode = 'page-from-1';
        result = await this.fetchPage(1, size);
      }
    } else if (mode === null) {
      result = await this.fetchPage(position.page, size);
      const first = result.records[0];
      const [firstOfPage0, secondOfPage0] = position.probe ?? [];
      if (first !== undefined && this.idOf(first) === firstOfPage0) {
        mode = 'page-from-1';
        result = await this.fetchPage(position.page + 1, size);
      } else if (first !== undefined && secondOfPage0 !== undefined && this.idOf(first) === secondOfPage0) {
        mode = 'record';
        result = await this.fetchPage(position.page * size, size);
      } else {
        mode = 'page';
      }
    } else {
      result = await this.fetchPage(offsetOf(position.page, mode, size), size);
    }
    const seen = position.page * size + result.records.length;
    const short = result.records.length < size;
    if (short && result.total !== null && seen < result.total) {
      // A short page before the end means Personio used another page size than asked; continuing
      // would skip records, so fail loudly instead.
      throw new ProviderError('bad_response', 'Personio returned a short page in the middle of a list.', {
        details: { page_size: size, returned: result.records.length, total_elements: result.total },
      });
    }
    const last = short || (result.total !== null && seen >= result.total);
    const probe =
      mode === null && position.page === 0
        ? result.records.slice(0, 2).map((record) => this.idOf(record))
        : undefined;
    return { records: result.records, last, mode, probe };
  }
}

function offsetOf(page: number, mode: OffsetMode, size: number): number {
  if (mode === 'record') return page * size;
  if (mode === 'page-from-1') return page + 1;
  return page;
}

export interface ScanResult<Record> {
  matched: Record[];
  /** Where to continue in this collection, or null when it is exhausted. */
  next: PagerPosition | null;
}

/**
 * Reads records in upstream order from `position` and keeps those that match, until `wanted` are kept, the
 * collection ends, or `budget.pages` upstream pages have been read. The position returned points just past
 * the last record examined, so matches are never skipped or repeated however they fall across pages.
 */
export async function scan<Record>(
  pager: OffsetPager<Record>,
  position: PagerPosition,
  wanted: number,
  matches: (record: Record) => boolean,
  budget: { pages: number },
): Promise<ScanResult<Record>> {
  const matched: Record[] = [];
  let current = position;
  while (budget.pages > 0) {
    budget.pages--;
    const page = await pager.read(current);
    const carried = { mode: page.mode, ...(page.probe ? { probe: page.probe } : {}) };
    for (let index = current.skip; index < page.records.length; index++) {
      if (!matches(page.records[index]!)) continue;
      matched.push(page.records[index]!);
      if (matched.length === wanted) {
        const skip = index + 1;
        if (skip >= page.records.length && page.last) return { matched, next: null };
        const next =
          skip < page.records.length
            ? { page: current.page, skip, ...carried }
            : { page: current.page + 1, skip: 0, ...carried };
        pager.readAheadAt(next);
        return { matched, next };
      }
    }
    if (page.last) return { matched, next: null };
    current = { page: current.page + 1, skip: 0, ...carried };
  }
  pager.readAheadAt(current);
  return { matched, next: current };
}
