import { writeFile } from 'node:fs/promises';
import { buildOpenApiDocument, serializeOpenApiDocument } from '../src/openapi';

const target = new URL('../openapi/openapi.json', import.meta.url);
await writeFile(target, serializeOpenApiDocument(await buildOpenApiDocument()));
console.log(`wrote ${target.pathname}`);
