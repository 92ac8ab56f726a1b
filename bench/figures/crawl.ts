import { setTimeout as sleep } from 'node:timers/promises';
import {
  EMPLOYEES_ROUTE,
  type FigureContext,
  getJson,
  MODE_LABEL,
  tenantHeaders,
  type UpstreamStats,
} from '../lib/context';
import { median } from '../lib/stats';
import { formatNumber, mebibytes, type Row, ratio, seconds } from '../lib/table';

export const CRAWL_EMPLOYEES = 10_000;
export const CRAWL_LATENCY_MS = 20;
export const CRAWL_TARGET = 1.1;
export const MEMORY_EMPLOYEES = 100_000;
export const MEMORY_TARGET_BYTES = 50 * 2 ** 20;
const PERSONIO_PAGE_SIZE = 100;

interface CrawlResult {
  wallMs: number;
  employees: number;
  pages: number;
}

/** Follows `next_cursor` from the first page to the last, one page at a time, as a sync job does. */
export async function crawl(
  gatewayUrl: string,
  headers: Record<string, string>,
  limit: number,
  onPage?: () => void,
): Promise<CrawlResult> {
  const started = performance.now();
  let cursor: string | null = null;
  let employees = 0;
  let pages = 0;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const { status, body } = await getJson<{ result: unknown[]; next_cursor: string | null }>(
      `${gatewayUrl}/unified/hris/employees?limit=${limit}${query}`,
      headers,
    );
    if (status !== 200)
      throw new Error(`crawl page ${pages + 1} answered ${status}: ${JSON.stringify(body)}`);
    employees += body.result.length;
    cursor = body.next_cursor;
    pages++;
    onPage?.();
  } while (cursor);
  return { wallMs: performance.now() - started, employees, pages };
}

/**
 * Figure 3: a full crawl of 10,000 employees with 20 ms upstream latency, against the sequential
 * minimum (upstream pages × latency). Graded at limit=200, the page size a crawl uses (two upstream
 * pages per call, fetched in parallel). The limit=100 row is for information: one upstream call per
 * call, so everything else on the path (the simulator rendering 100 employees, the gateway, the
 * client) adds to 20 ms per page and the ratio cannot reach 1.1 by construction.
 */
export async function crawlFigure(context: FigureContext, limits: number[] = [200, 100]): Promise<Row[]> {
  const { upstream, gateway, options } = context;
  const headers = tenantHeaders(context.tenant, 0);
  const upstreamPages = Math.ceil(CRAWL_EMPLOYEES / PERSONIO_PAGE_SIZE);
  const minimumMs = upstreamPages * CRAWL_LATENCY_MS;
  await upstream.call({ type: 'setFaults', faults: { latencyMs: CRAWL_LATENCY_MS } });
  const rows: Row[] = [];
  try {
    for (const limit of limits) {
      await crawl(gateway.url, headers, limit); // warm-up: token cached, connections open, code hot
      const runs: (CrawlResult & { upstreamCalls: number; authCalls: number })[] = [];
      for (let run = 0; run < options.repeats; run++) {
        await upstream.call({ type: 'resetStats' });
        const result = await crawl(gateway.url, headers, limit);
        const stats = await upstream.call<UpstreamStats>({ type: 'stats' });
        if (result.employees !== CRAWL_EMPLOYEES) {
          throw new Error(`crawl returned ${result.employees} employees, expected ${CRAWL_EMPLOYEES}`);
        }
        runs.push({
          ...result,
          upstreamCalls: stats.byRoute[EMPLOYEES_ROUTE] ?? 0,
          authCalls: stats.authCalls,
        });
        context.log(
          `    limit=${limit} run ${run + 1}/${options.repeats}: ${seconds(result.wallMs)}, ${result.pages} pages, ` +
            `${runs.at(-1)!.upstreamCalls} upstream calls`,
        );
      }
      const wallMs = median(runs.map((run) => run.wallMs));
      const calls = median(runs.map((run) => run.upstreamCalls));
      const auth = median(runs.map((run) => run.authCalls));
      const value = wallMs / minimumMs;
      rows.push({
        figure: `3 crawl 10k, 20 ms, limit=${limit}`,
        mode: MODE_LABEL[context.mode],
        gateway: `${seconds(wallMs)} wall, ${runs[0]!.pages} calls → ${formatNumber(calls)} upstream${auth ? ` + ${auth} auth` : ''}`,
        baseline: `${upstreamPages} pages × ${CRAWL_LATENCY_MS} ms = ${seconds(minimumMs)}`,
        ratio: ratio(value),
        target: `≤ ${CRAWL_TARGET.toFixed(2)}×`,
        result:
          calls !== upstreamPages
            ? 'error'
            : limit !== 200
              ? 'info'
              : value <= CRAWL_TARGET
                ? 'pass'
                : 'MISS',
      });
    }
  } finally {
    await upstream.call({ type: 'setFaults', faults: {} });
  }
  return rows;
}

/**
 * How long resident memory must stop falling before it counts as settled, and the longest wait for it.
 * Longer than V8's memory reducer waits after a burst of allocation before its first collection
 * (`MemoryReducer::kLongDelayMs`, 8 s in Node 20's V8), plus its follow-up collections (500 ms apart):
 * with 6 s, a reading could be taken before the reducer had run at all.
 */
const SETTLE_QUIET_MS = 10_000;
const SETTLE_MAX_MS = 40_000;

/**
 * The gateway's resident memory once it has stopped falling: right after a burst of work it still holds
 * garbage that V8 collects (and gives back) some seconds after the work ends, when its memory reducer runs.
 * Settled: no new low by a MiB or more for `SETTLE_QUIET_MS`, or `SETTLE_MAX_MS` passed.
 */
async function settledRss(gateway: FigureContext['gateway']): Promise<number> {
  const started = Date.now();
  let low = gateway.rssBytes();
  let lowAt = started;
  while (Date.now() - lowAt < SETTLE_QUIET_MS && Date.now() - started < SETTLE_MAX_MS) {
    await sleep(250);
    const rss = gateway.rssBytes();
    if (rss <= low - 2 ** 20) lowAt = Date.now();
    low = Math.min(low, rss);
  }
  return low;
}

/**
 * Figure 5: the gateway's resident memory before and after crawling 100,000 employees (limit=200,
 * no added latency), after a warm-up so start-up allocations are not counted as growth. Both are read
 * once settled (`settledRss`), so the growth is memory kept, not garbage yet to be collected; the figure
 * right after the crawl is printed beside it. A second crawl shows whether growth is a one-off (heap
 * sizing) or accumulates (a leak).
 */
export async function memoryFigure(context: FigureContext): Promise<Row> {
  const { gateway } = context;
  const headers = tenantHeaders(context.tenant, 0);
  for (let page = 0; page < 20; page++) {
    await getJson(`${gateway.url}/unified/hris/employees?limit=200`, headers);
  }
  const before = await settledRss(gateway);
  let peak = before;
  const sample = () => {
    peak = Math.max(peak, gateway.rssBytes());
  };
  const first = await crawl(gateway.url, headers, 200, sample);
  const atEnd = gateway.rssBytes();
  const afterFirst = await settledRss(gateway);
  context.log(
    `    crawl 1: ${formatNumber(first.employees)} employees, ${first.pages} pages in ${seconds(first.wallMs)}; ` +
      `RSS ${mebibytes(before)} → ${mebibytes(atEnd)} at the end, ${mebibytes(afterFirst)} settled (peak ${mebibytes(peak)})`,
  );
  const second = await crawl(gateway.url, headers, 200, sample);
  const secondAtEnd = gateway.rssBytes();
  const afterSecond = await settledRss(gateway);
  context.log(
    `    crawl 2: ${formatNumber(second.employees)} employees in ${seconds(second.wallMs)}; ` +
      `RSS ${mebibytes(secondAtEnd)} at the end, ${mebibytes(afterSecond)} settled (peak ${mebibytes(peak)})`,
  );
  if (first.employees !== MEMORY_EMPLOYEES) {
    throw new Error(`crawl returned ${first.employees} employees, expected ${MEMORY_EMPLOYEES}`);
  }
  const growth = afterFirst - before;
  return {
    figure: '5 RSS over a 100k crawl',
    mode: MODE_LABEL[context.mode],
    gateway:
      `${mebibytes(before)} → ${mebibytes(afterFirst)} settled (+${mebibytes(growth)}; ${mebibytes(atEnd)} at the end; ` +
      `peak ${mebibytes(peak)}; after a 2nd crawl ${mebibytes(afterSecond)})`,
    baseline: `before the crawl: ${mebibytes(before)}`,
    ratio: `+${mebibytes(growth)}`,
    target: `< ${mebibytes(MEMORY_TARGET_BYTES)}`,
    result: growth < MEMORY_TARGET_BYTES ? 'pass' : 'MISS',
  };
}
