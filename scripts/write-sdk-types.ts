import { writeFile } from 'node:fs/promises';
import { generateSdkTypes, SDK_SCHEMA } from './sdk-types';

await writeFile(SDK_SCHEMA, await generateSdkTypes());
console.log(`wrote ${SDK_SCHEMA.pathname}`);
