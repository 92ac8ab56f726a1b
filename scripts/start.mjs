// `npm start`: the gateway from its precompiled build (scripts/build.mjs), rebuilt first when a source
// file changed since; when it cannot be built, from the sources through tsx as before.
import { pathToFileURL } from 'node:url';
import { BUILT_ENTRY, build, isStale } from './build.mjs';

let entry = BUILT_ENTRY;
try {
  if (await isStale()) console.warn(`roster: sources changed; built the gateway in ${await build()} ms`);
} catch (error) {
  console.warn(
    `roster: could not build the gateway (${error instanceof Error ? error.message : error}); running the sources with tsx`,
  );
  const { register } = await import('tsx/esm/api');
  register();
  entry = new URL('../src/node.ts', import.meta.url).pathname;
}
await import(pathToFileURL(entry).href);
