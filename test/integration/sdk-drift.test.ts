import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { generateSdkTypes, SDK_SCHEMA } from '../../scripts/sdk-types';

describe('SDK types', () => {
  it('match openapi/openapi.json (run `npm run sdk` after `npm run openapi`)', async () => {
    expect(await readFile(SDK_SCHEMA, 'utf8')).toBe(await generateSdkTypes());
  });
});
