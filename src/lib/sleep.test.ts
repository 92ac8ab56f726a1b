import { describe, expect, it } from 'vitest';
import { sleepUnlessAborted } from './sleep';

describe('sleepUnlessAborted', () => {
  it('ends a long wait when the signal aborts, and removes its listener', async () => {
    const controller = new AbortController();
    const removed = countRemovals(controller.signal);
    const waiting = sleepUnlessAborted(3_600_000, controller.signal);
    controller.abort();
    await expect(waiting).resolves.toBeUndefined();
    expect(removed()).toBe(1);
  });

  it('returns at once on a signal that has already aborted', async () => {
    await expect(sleepUnlessAborted(3_600_000, AbortSignal.abort())).resolves.toBeUndefined();
  });

  it('resolves after the time when nothing aborts, and removes its listener then too', async () => {
    const controller = new AbortController();
    const removed = countRemovals(controller.signal);
    await sleepUnlessAborted(1, controller.signal);
    expect(removed()).toBe(1);
  });
});

/** Counts `removeEventListener` calls on `signal`. */
function countRemovals(signal: AbortSignal): () => number {
  let removed = 0;
  const remove = signal.removeEventListener.bind(signal);
  signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
    removed++;
    remove(...args);
  }) as typeof remove;
  return () => removed;
}
