/**
 * A process-local signal that webhook deliveries may have come due (new events with subscribers, a manual
 * retry, a replay, an endpoint re-enabled). The embedded sweep backs off while it finds nothing, because
 * each empty sweep costs PGlite several milliseconds of CPU; this brings it back to its base rhythm at once.
 * It may fire before the writer's transaction commits: the sweep that follows at the base interval sees it.
 */
const listeners = new Set<() => void>();

export function onDeliveriesMayBeDue(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function deliveriesMayBeDue(): void {
  for (const listener of listeners) listener();
}
