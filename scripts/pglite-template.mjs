// Prepares the embedded database templates (run by `npm ci` / `npm install` as the root postinstall):
// a bare PGlite cluster under node_modules/.cache/roster/pglite-<version>/ (or ROSTER_PGLITE_TEMPLATE_DIR),
// and a copy with the committed migrations applied (pglite-<version>-schema-<migrations>/), which the
// gateway copies on its first start instead of running initdb and the migrations. Never fails the install.
//   node scripts/pglite-template.mjs [--force]
import { buildPgliteTemplate } from '../src/db/pglite-template.mjs';

const started = performance.now();
try {
  const { path, created, schema } = await buildPgliteTemplate({ force: process.argv.includes('--force') });
  const ms = Math.round(performance.now() - started);
  console.log(
    created || schema.created
      ? `roster: prepared the embedded database template in ${ms} ms: ${path} (with the migrations: ${schema.path})`
      : `roster: embedded database template present: ${path} (with the migrations: ${schema.path})`,
  );
} catch (error) {
  console.warn(
    `roster: could not prepare the embedded database template (the first start will create the database instead): ${
      error instanceof Error ? error.message : error
    }`,
  );
}
