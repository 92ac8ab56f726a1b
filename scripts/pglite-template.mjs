// Prepares the embedded database template (run by `npm ci` / `npm install` as the root postinstall):
// a bare PGlite cluster under node_modules/.cache/roster/pglite-<version>/ (or ROSTER_PGLITE_TEMPLATE_DIR),
// which the gateway copies on its first start instead of running initdb. Never fails the install.
//   node scripts/pglite-template.mjs [--force]
import { buildPgliteTemplate } from '../src/db/pglite-template.mjs';

const started = performance.now();
try {
  const { path, created } = await buildPgliteTemplate({ force: process.argv.includes('--force') });
  const ms = Math.round(performance.now() - started);
  console.log(
    created
      ? `roster: prepared the embedded database template in ${ms} ms: ${path}`
      : `roster: embedded database template present: ${path}`,
  );
} catch (error) {
  console.warn(
    `roster: could not prepare the embedded database template (the first start will create the database instead): ${
      error instanceof Error ? error.message : error
    }`,
  );
}
