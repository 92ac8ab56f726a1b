import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument, serializeOpenApiDocument } from '../../src/openapi';

describe('OpenAPI document', () => {
  it('matches the committed openapi/openapi.json (run `npm run openapi` after changing routes)', async () => {
    const committed = await readFile(new URL('../../openapi/openapi.json', import.meta.url), 'utf8');
    expect(committed).toBe(serializeOpenApiDocument(await buildOpenApiDocument()));
  });

  it('declares every error response with the shared Error schema and the API-key security', async () => {
    const document = (await buildOpenApiDocument()) as unknown as {
      openapi: string;
      paths: Record<
        string,
        Record<
          string,
          {
            security?: unknown;
            responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
          }
        >
      >;
    };
    expect(document.openapi).toBe('3.1.0');
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
    );
    const unified = operations.filter(({ path }) => path.startsWith('/unified/'));
    expect(unified.length).toBeGreaterThanOrEqual(2);
    for (const { operation } of unified) {
      expect(operation.security).toEqual([{ apiKey: [] }]);
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) >= 400)
          expect(response.content?.['application/json']?.schema.$ref).toBe('#/components/schemas/Error');
      }
    }
  });
});
