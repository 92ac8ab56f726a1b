// The gateway's precompiled build: src/node.ts bundled (the project's own TypeScript only; packages stay
// imports of node_modules) into dist/node/node.mjs, so a start loads one JavaScript file instead of
// transpiling every source file with tsx. What the sources import dynamically (the BullMQ engine, the MCP
// server: not needed by an embedded start) goes to chunk files beside it, loaded only when used. Made at install (postinstall) and by `npm start` when a source
// file is newer than the build. Uses the esbuild that tsx (a dependency) brings: nothing is downloaded.
//   node scripts/build.mjs          build if stale
//   node scripts/build.mjs --force  build
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// Two levels below the root, like src/<dir>/<file>.ts: the sources find migrations/ and node_modules/
// with `new URL('../../…', import.meta.url)`, which must mean the same from the bundle.
const OUT_DIR = join(ROOT, 'dist', 'node');
export const BUILT_ENTRY = join(OUT_DIR, 'node.mjs');
/** Besides src/: what changes the build's output. */
const INPUT_FILES = ['package.json', 'package-lock.json', 'tsconfig.json', 'scripts/build.mjs'];

async function newestSource(dir) {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, await newestSource(path));
    else newest = Math.max(newest, (await stat(path)).mtimeMs);
  }
  return newest;
}

/** True when the build is missing or older than any source file. */
export async function isStale() {
  let built;
  try {
    built = (await stat(BUILT_ENTRY)).mtimeMs;
  } catch {
    return true;
  }
  const inputs = await Promise.all([
    newestSource(join(ROOT, 'src')),
    ...INPUT_FILES.map((file) =>
      stat(join(ROOT, file)).then(
        (s) => s.mtimeMs,
        () => 0,
      ),
    ),
  ]);
  return Math.max(...inputs) > built;
}

export async function build() {
  const started = performance.now();
  // esbuild as tsx resolves it, so it is found however npm laid out node_modules.
  const requireFromTsx = createRequire(createRequire(join(ROOT, 'package.json')).resolve('tsx/package.json'));
  const esbuild = await import(pathToFileURL(requireFromTsx.resolve('esbuild')).href);
  // Built beside the final place, then each file renamed over its old version (atomic), so a start running
  // at the same time, or another build, never sees a half-written or missing file.
  const tmp = join(ROOT, 'dist', `node.tmp-${process.pid}`);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  try {
    await esbuild.build({
      entryPoints: { node: join(ROOT, 'src', 'node.ts') },
      outdir: tmp,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      splitting: true,
      chunkNames: 'chunk-[hash]',
      packages: 'external',
      platform: 'node',
      format: 'esm',
      target: 'node20',
      sourcemap: 'linked',
      logLevel: 'warning',
    });
    await mkdir(OUT_DIR, { recursive: true });
    // Chunks first (named by their content, so a running start never sees one change), the entry last.
    const chunks = (await readdir(tmp)).filter((name) => name.startsWith('chunk-'));
    for (const name of chunks) await rename(join(tmp, name), join(OUT_DIR, name));
    await rename(join(tmp, 'node.mjs.map'), `${BUILT_ENTRY}.map`);
    await rename(join(tmp, 'node.mjs'), BUILT_ENTRY);
    // Chunks of earlier builds stay: a gateway started from one may still load them on first use.
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return Math.round(performance.now() - started);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    if (process.argv.includes('--force') || (await isStale())) {
      console.log(`roster: built the gateway in ${await build()} ms: ${BUILT_ENTRY}`);
    } else {
      console.log(`roster: the gateway build is up to date: ${BUILT_ENTRY}`);
    }
  } catch (error) {
    // Never fails the install: `npm start` builds when it can, or runs the sources with tsx.
    console.warn(`roster: could not build the gateway: ${error instanceof Error ? error.message : error}`);
  }
}
