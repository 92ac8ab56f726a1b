import { describe, expect, it } from 'vitest';
import type { NewRequestLog } from '../db/queries/request-logs';
import type { Logger } from '../lib/logger';
import { RequestLogWriter } from './request-log-writer';

function row(id: string): NewRequestLog {
  return {
    id,
    environmentId: 'env_1',
    method: 'GET',
    route: '/unified/hris/employees',
    status: 200,
    durationMs: 3,
    upstream: [],
    retries: 0,
    rateLimitWaits: 0,
    rateLimitWaitMs: 0,
    tokenExchanges: 0,
  };
}

/** A sink whose writes are recorded (each row as its id), or fail while `failing` is set. */
function fakeSink() {
  const batches: string[][] = [];
  const state = { failing: false };
  const sink = {
    encode: (entry: NewRequestLog) => entry.id,
    write: async (encoded: string[]) => {
      if (state.failing) throw new Error('connection refused');
      batches.push(encoded);
    },
  };
  return { sink, batches, state };
}

function recordingLogger() {
  const warnings: Record<string, unknown>[] = [];
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warn: (_message, fields) => warnings.push(fields ?? {}),
    error: () => {},
  };
  return { logger, warnings };
}

describe('RequestLogWriter', () => {
  it('writes what was added in batches of batchSize, in order', async () => {
    const { sink, batches } = fakeSink();
    const writer = new RequestLogWriter(sink, recordingLogger().logger, {
      batchSize: 2,
      flushIntervalMs: 60_000,
    });
    for (const id of ['req_1', 'req_2', 'req_3']) writer.add(row(id));
    await writer.flush();
    expect(batches).toEqual([['req_1', 'req_2'], ['req_3']]);
  });

  it('writes a partial batch after flushIntervalMs without being asked', async () => {
    const { sink, batches } = fakeSink();
    const writer = new RequestLogWriter(sink, recordingLogger().logger, { flushIntervalMs: 10 });
    writer.add(row('req_1'));
    const deadline = Date.now() + 30_000;
    while (batches.length === 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(batches).toEqual([['req_1']]);
  });

  it('never throws when the database fails: the rows are dropped, counted and logged without their content', async () => {
    const { sink, batches, state } = fakeSink();
    const { logger, warnings } = recordingLogger();
    const writer = new RequestLogWriter(sink, logger, { flushIntervalMs: 60_000 });
    state.failing = true;
    writer.add(row('req_lost'));
    await expect(writer.flush()).resolves.toBeUndefined();
    expect(writer.dropped).toBe(1);
    expect(JSON.stringify(warnings)).not.toContain('req_lost');
    state.failing = false;
    writer.add(row('req_kept'));
    await writer.flush();
    expect(batches).toEqual([['req_kept']]);
  });

  it('holds at most maxBuffered rows while writes are pending, dropping the rest', async () => {
    const { sink, batches } = fakeSink();
    const writer = new RequestLogWriter(sink, recordingLogger().logger, {
      maxBuffered: 3,
      batchSize: 100,
      flushIntervalMs: 60_000,
    });
    for (let index = 0; index < 5; index++) writer.add(row(`req_${index}`));
    expect(writer.dropped).toBe(2);
    await writer.flush();
    expect(batches).toEqual([['req_0', 'req_1', 'req_2']]);
  });
});
