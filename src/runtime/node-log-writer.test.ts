import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { batchedLogWriter } from './node-log-writer';

describe('batchedLogWriter', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes info lines of several turns together, in order, once they have waited the delay', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const out: string[] = [];
    const write = batchedLogWriter({ write: (text) => out.push(text) }, { write: () => {} }, 50);
    write('{"n":1}', 'info');
    await nextTurn();
    write('{"n":2}', 'debug');
    await nextTurn();
    expect(out).toEqual([]);
    vi.advanceTimersByTime(49);
    expect(out).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(out).toEqual(['{"n":1}\n{"n":2}\n']);
  });

  it('writes a warning or an error at the next turn, with the info lines waiting before it', async () => {
    const out: string[] = [];
    const err: string[] = [];
    // A delay no test waits for: only the warning can have caused the write.
    const write = batchedLogWriter(
      { write: (text) => out.push(text) },
      { write: (text) => err.push(text) },
      3_600_000,
    );
    write('{"n":1}', 'info');
    write('{"n":2}', 'warn');
    write('{"n":3}', 'debug');
    expect(out).toEqual([]);
    await nextTurn();
    expect(out).toEqual(['{"n":1}\n{"n":3}\n']);
    expect(err).toEqual(['{"n":2}\n']);
    write('{"n":4}', 'error');
    await nextTurn();
    expect(err).toEqual(['{"n":2}\n', '{"n":4}\n']);
  });

  it('writes at once when 64 KiB are pending', () => {
    const out: string[] = [];
    const write = batchedLogWriter({ write: (text) => out.push(text) }, { write: () => {} });
    const line = 'x'.repeat(1023);
    for (let index = 0; index < 64; index++) write(line, 'info');
    expect(out).toHaveLength(1);
    expect(out[0]).toBe(`${line}\n`.repeat(64));
  });
});
