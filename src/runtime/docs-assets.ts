import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { DocsAssets } from '../context';

/** The files of the interactive reference that `/docs` loads; nothing else of the package is served. */
const FILES = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
} as const;

/**
 * Swagger UI from the pinned `swagger-ui-dist` package on disk, so `/docs` works without internet.
 * Each file is read once and kept (about 1.5 MB together).
 */
export function nodeDocsAssets(): DocsAssets {
  const directory = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const loaded = new Map<string, Promise<Uint8Array>>();
  return async (name) => {
    if (!Object.hasOwn(FILES, name)) return undefined;
    let body = loaded.get(name);
    if (!body) {
      body = readFile(join(directory, name)).then((buffer) => new Uint8Array(buffer));
      loaded.set(name, body);
      body.catch(() => loaded.delete(name));
    }
    return { body: await body, contentType: FILES[name as keyof typeof FILES] };
  };
}
