// Loaded into a gateway with `node --import` by bench/burst-probe.ts: on SIGUSR2 it prints one `PROBE {…}` line
// to stderr with the V8 heap (after a full GC when run with --expose-gc), its spaces and the active handles.
import v8 from 'node:v8';

process.on('SIGUSR2', () => {
  globalThis.gc?.();
  const mb = (bytes) => Math.round(bytes / 1e5) / 10;
  const spaces = Object.fromEntries(
    v8.getHeapSpaceStatistics().map((space) => [space.space_name, mb(space.space_used_size)]),
  );
  const handles = {};
  for (const handle of process._getActiveHandles()) {
    const kind = handle?.constructor?.name ?? 'unknown';
    handles[kind] = (handles[kind] ?? 0) + 1;
  }
  const memory = process.memoryUsage();
  const line = {
    rss: mb(memory.rss),
    heapUsed: mb(memory.heapUsed),
    external: mb(memory.external),
    spaces,
    handles,
    requests: process._getActiveRequests().length,
  };
  process.stderr.write(`PROBE ${JSON.stringify(line)}\n`);
});
