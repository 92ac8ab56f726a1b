import { describe, expect, it } from 'vitest';
import { ApiError } from '../../errors';
import {
  type OffsetMode,
  OffsetPager,
  type PagerPosition,
  type ScanResult,
  START_POSITION,
  scan,
  type UpstreamPage,
} from './offset-pager';

type Semantics = OffsetMode | 'page-from-1-strict';

/** A fake Personio list of `count` records that reads `offset` one way; counts the requests it gets. */
function upstream(count: number, semantics: Semantics, options: { total?: boolean } = {}) {
  const records = Array.from({ length: count }, (_, index) => `r${index}`);
  const calls: number[] = [];
  const fetchPage = async (offset: number, limit: number): Promise<UpstreamPage<string>> => {
    calls.push(offset);
    let start: number;
    if (semantics === 'record') start = offset;
    else if (semantics === 'page') start = offset * limit;
    else if (semantics === 'page-from-1') start = (Math.max(offset, 1) - 1) * limit;
    else start = offset === 0 ? Number.POSITIVE_INFINITY : (offset - 1) * limit;
    return { records: records.slice(start, start + limit), total: options.total === false ? null : count };
  };
  return { records, calls, fetchPage };
}

async function walkAll(pager: OffsetPager<string>, wanted: number, matches = (_: string) => true) {
  const seen: string[] = [];
  let position: PagerPosition | null = START_POSITION;
  let requests = 0;
  while (position) {
    const result: Awaited<ReturnType<typeof scan<string>>> = await scan(pager, position, wanted, matches, {
      pages: 3,
    });
    seen.push(...result.matched);
    position = result.next ? structuredClone(result.next) : null;
    if (++requests > 10_000) throw new Error('the walk does not end');
  }
  return seen;
}

describe('OffsetPager', () => {
  // A server counting pages from 1 that answers offset=0 with nothing is only recognisable by its
  // total (Personio sends `metadata.total_elements` on both absence lists).
  it.each<[Semantics, number, boolean[]]>([
    ['page', 0, [true, false]],
    ['page-from-1', 1, [true, false]],
    ['page-from-1-strict', 1, [true]],
    ['record', 1, [true, false]],
  ])(
    'walks a list whose offset reads as %s exactly once, with %i extra request',
    async (semantics, extra, totals) => {
      for (const total of totals) {
        const list = upstream(23, semantics, { total });
        const pager = new OffsetPager(list.fetchPage, (id) => id, 5);
        expect(await walkAll(pager, 200)).toEqual(list.records);
        // 5 pages of 5 records (the last one short); without totals no extra page is needed either.
        expect(list.calls.length).toBe(5 + extra);
      }
    },
  );

  it.each<Semantics>(['page', 'page-from-1', 'page-from-1-strict', 'record'])(
    'hands out small unified pages across upstream pages without loss or repeats (%s)',
    async (semantics) => {
      const list = upstream(40, semantics);
      const pager = new OffsetPager(list.fetchPage, (id) => id, 7);
      expect(await walkAll(pager, 3)).toEqual(list.records);
    },
  );

  it('keeps only matching records and carries the position inside an upstream page', async () => {
    const list = upstream(60, 'record');
    const pager = new OffsetPager(list.fetchPage, (id) => id, 10);
    const even = (id: string) => Number(id.slice(1)) % 2 === 0;
    expect(await walkAll(pager, 4, even)).toEqual(list.records.filter(even));
  });

  it('ends a list whose length is a multiple of the page size without an empty request when totals are sent', async () => {
    const list = upstream(20, 'page');
    const pager = new OffsetPager(list.fetchPage, (id) => id, 10);
    expect(await walkAll(pager, 200)).toEqual(list.records);
    expect(list.calls).toEqual([0, 1]);
  });

  it('stops within the page budget and resumes where it stopped', async () => {
    const list = upstream(100, 'page');
    const pager = new OffsetPager(list.fetchPage, (id) => id, 10);
    const budget = { pages: 2 };
    const first = await scan(pager, START_POSITION, 50, () => true, budget);
    expect(first.matched).toEqual(list.records.slice(0, 20));
    expect(first.next).toEqual({ page: 2, skip: 0, mode: 'page' });
    expect(budget.pages).toBe(0);
  });

  it('fails loudly on a short page before the end instead of skipping records', async () => {
    const pager = new OffsetPager(
      async () => ({ records: ['a', 'b'], total: 10 }),
      (id) => id,
      5,
    );
    await expect(pager.read(START_POSITION)).rejects.toBeInstanceOf(ApiError);
  });

  it.each<Semantics>(['page', 'page-from-1', 'record'])(
    'reads the next page ahead once the offset reading is settled, and the next call takes it (%s)',
    async (semantics) => {
      const list = upstream(60, semantics);
      const pager = () => new OffsetPager(list.fetchPage, (id) => id, 10, { owner: list, key: semantics });
      const seen: string[] = [];
      let position: PagerPosition | null = START_POSITION;
      const offsetsBefore: number[][] = [];
      while (position) {
        offsetsBefore.push([...list.calls]);
        // A new pager per call, as each unified call builds its own.
        const result: ScanResult<string> = await scan(pager(), position, 10, () => true, { pages: 3 });
        seen.push(...result.matched);
        position = result.next ? structuredClone(result.next) : null;
      }
      expect(seen).toEqual(list.records);
      // Every upstream page asked for once (plus the probe that settles the reading).
      expect(new Set(list.calls).size).toBe(list.calls.length);
      // From the third call on, the page it reads was already requested when it started.
      const third = offsetsBefore[2]!;
      const pageTwoOffset = semantics === 'record' ? 20 : semantics === 'page' ? 2 : 3;
      expect(third).toContain(pageTwoOffset);
    },
  );
});
