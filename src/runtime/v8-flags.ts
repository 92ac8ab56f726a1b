import { setFlagsFromString } from 'node:v8';

/**
 * V8 flags the gateway process sets for itself, so every way of starting it (`npm start`, the build,
 * `tsx src/node.ts`) gets them.
 *
 * `--no-allocation-site-pretenuring`: V8 watches which allocation sites produce objects that survive
 * young-generation collections and, past a threshold, allocates that site's objects straight in the old
 * generation from then on (it rarely goes back). A burst of concurrent requests (1,000 connections at
 * once) keeps every request's objects alive across several scavenges, so the sites of request handling
 * are pretenured; after the burst each ordinary request's short-lived objects land in the old generation
 * and a full mark-compact runs every few hundred calls: 1.4× the CPU per list call, for good. Without
 * pretenuring those objects die young as before, and nothing a request allocates lives long enough to
 * have needed it (caches are small and built once).
 */
export const GATEWAY_V8_FLAGS = ['--no-allocation-site-pretenuring'] as const;

/**
 * Node options that only hold on the command line (read when the process starts), so `npm start` passes
 * them (package.json's `start` script; a test checks the two agree).
 *
 * `--v8-pool-size=1`: one V8 worker thread instead of four. Those threads compile PGlite's WASM functions
 * (tier-up) and help the GC; each one that allocates gets its own glibc malloc arena, which keeps the memory
 * its compilations freed. With one, an idle embedded gateway is 30–50 MB smaller (~250–275 → ~230–250 MB
 * on a restart) at no measurable CPU per call (BENCHMARKS.md, embedded memory).
 */
export const GATEWAY_NODE_OPTIONS = ['--v8-pool-size=1'] as const;

/**
 * glibc malloc settings `npm start` gives the gateway (`GLIBC_TUNABLES`, read by the C library when the process
 * starts; one already set in the environment wins). glibc keeps up to 128 KiB free at the top of its heap, and
 * raises that to the size of the largest block freed since (PGlite's WASM compilation frees large ones), so the
 * memory freed after start stays resident. A fixed 128 KiB trims it: an idle embedded gateway is about 20 MB
 * smaller (245–247 → 219–225 MB, `npx tsx bench/embedded-memory.ts --env GLIBC_TUNABLES=…`) with no measurable
 * CPU per proxied or listed call (`bench/compare-builds.ts`, BENCHMARKS.md).
 */
export const GATEWAY_MALLOC_TUNABLES = 'glibc.malloc.trim_threshold=131072';

/** Applies `GATEWAY_V8_FLAGS`; first thing at start, before the process has served anything. */
export function applyGatewayV8Flags(): void {
  for (const flag of GATEWAY_V8_FLAGS) setFlagsFromString(flag);
}

// On import: the Node entry imports this module first, so the flags hold before the other modules load.
applyGatewayV8Flags();
