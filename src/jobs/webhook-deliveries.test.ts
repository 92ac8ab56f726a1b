import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../lib/logger';
import type { WebhookDispatcher } from '../webhooks/dispatcher';
import { deliveriesMayBeDue } from '../webhooks/wake';
import { DELIVERY_SWEEP_MS, IDLE_SWEEP_MAX_MS, InProcessDeliveries } from './webhook-deliveries';

const silent = { error() {}, warn() {}, info() {}, debug() {} } as unknown as Logger;

/** A dispatcher whose due list the test controls; it counts the sweeps (each one a database query). */
function fakeDispatcher() {
  const state = { sweeps: 0, due: [] as { endpointId: string; free: number }[], delivered: 0 };
  const dispatcher = {
    async dueEndpoints() {
      state.sweeps++;
      const due = state.due;
      state.due = [];
      return due;
    },
    async deliverEndpoint() {
      state.delivered++;
      return { attempted: 1, stopped: 'drained' as const };
    },
  } as unknown as WebhookDispatcher;
  return { dispatcher, state };
}

describe('embedded delivery sweep', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('backs off while nothing is due, and comes back to its base interval when deliveries are announced', async () => {
    const { dispatcher, state } = fakeDispatcher();
    const runner = new InProcessDeliveries(dispatcher, { concurrency: 4, logger: silent }).start();
    try {
      // A minute of idling: at the base interval this would be 120 sweeps.
      await vi.advanceTimersByTimeAsync(60_000);
      const idleSweeps = state.sweeps;
      expect(idleSweeps).toBeGreaterThan(5);
      expect(idleSweeps).toBeLessThanOrEqual(Math.ceil(60_000 / IDLE_SWEEP_MAX_MS) + 5);

      // New deliveries: the next sweep comes within the base interval, not the backed-off one.
      state.due = [{ endpointId: 'wep_1', free: 1 }];
      deliveriesMayBeDue();
      await vi.advanceTimersByTimeAsync(DELIVERY_SWEEP_MS);
      expect(state.sweeps).toBe(idleSweeps + 1);
      expect(state.delivered).toBe(1);

      // After a sweep that found work, the next one is at the base interval again.
      await vi.advanceTimersByTimeAsync(DELIVERY_SWEEP_MS);
      expect(state.sweeps).toBe(idleSweeps + 2);
    } finally {
      await runner.close(0);
    }
  });

  it('stops sweeping and listening when closed', async () => {
    const { dispatcher, state } = fakeDispatcher();
    const runner = new InProcessDeliveries(dispatcher, { concurrency: 4, logger: silent }).start();
    await vi.advanceTimersByTimeAsync(DELIVERY_SWEEP_MS);
    await runner.close(0);
    const before = state.sweeps;
    deliveriesMayBeDue();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(state.sweeps).toBe(before);
  });
});
