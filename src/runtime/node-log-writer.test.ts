import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { batchedLogWriter } from './node-log-writer';

describe('batchedLogWriter', () => {
  it('writes the lines of one turn together, in order, and warnings to stderr', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const write = batchedLogWriter({ write: (text) => out.push(text) }, { write: (text) => err.push(text) });
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

  it('writes at once when a turn has logged 64 KiB', () => {
    const out: string[] = [];
    const write = batchedLogWriter({ write: (text) => out.push(text) }, { write: () => {} });
    const line = 'x'.repeat(1023);
    for (let index = 0; index < 64; index++) write(line, 'info');
    expect(out).toHaveLength(1);
    expect(out[0]).toBe(`${line}\n`.repeat(64));
  });
});
