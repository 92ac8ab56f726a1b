import { createApp, OPENAPI_DOCUMENT_CONFIG } from './app';
import { MemoryCache } from './cache/memory';
import { parseConfig } from './config';
import { base64url } from './crypto/encoding';
import { randomBytes } from './crypto/random';
import { createSecretBox } from './crypto/secret-box';
import type { Database } from './db/client';

/** The OpenAPI document as the routes declare it; building it touches no database or network. */
export async function buildOpenApiDocument() {
  const app = await createApp({
    config: parseConfig({ SANDBOX: 'false' }),
    db: {} as Database,
    cache: new MemoryCache(),
    secretBox: await createSecretBox(base64url.encode(randomBytes(32))),
  });
  return app.getOpenAPI31Document(OPENAPI_DOCUMENT_CONFIG);
}

export function serializeOpenApiDocument(document: unknown): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
