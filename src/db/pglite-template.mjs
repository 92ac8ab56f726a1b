// Plain ESM (no TypeScript) so `npm ci` can run it through `scripts/pglite-template.mjs` with bare Node;
// the gateway imports it too (types in pglite-template.d.mts), so both agree on where templates live.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cp, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Overrides the directory that holds the templates (one subdirectory per PGlite version). */
export const PGLITE_TEMPLATE_DIR_ENV = 'ROSTER_PGLITE_TEMPLATE_DIR';

const PACKAGE = '@electric-sql/pglite';
/** Leftovers of an interrupted build older than this are removed by the next build. */
const STALE_MS = 10 * 60 * 1000;

let installedVersion;

/** The installed PGlite's version, from its package.json (found through module resolution). */
export function pgliteVersion() {
  if (installedVersion) return installedVersion;
  let dir = dirname(createRequire(import.meta.url).resolve(PACKAGE));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const { name, version } = JSON.parse(readFileSync(manifest, 'utf8'));
      if (name === PACKAGE && typeof version === 'string') {
        installedVersion = version;
        return version;
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the package.json of ${PACKAGE}`);
    dir = parent;
  }
}

/** `ROSTER_PGLITE_TEMPLATE_DIR`, else `node_modules/.cache/roster` of this project. */
export function pgliteTemplateRoot(env = process.env) {
  return (
    env[PGLITE_TEMPLATE_DIR_ENV] ||
    fileURLToPath(new URL('../../node_modules/.cache/roster', import.meta.url))
  );
}

/** Where the template for one PGlite version lives: a bare cluster directory, as PGlite writes it. */
export function pgliteTemplatePath(root = pgliteTemplateRoot(), version = pgliteVersion()) {
  return join(root, `pglite-${version}`);
}

/** The committed migrations (from this file, two levels below the root, as in the build). */
const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));

/**
 * Names the committed migrations (their SQL and journal): a template with the schema applied is used only by
 * a checkout with exactly these migrations; with others (a pull since the install) the bare template is.
 */
export function migrationsKey(folder = MIGRATIONS_DIR) {
  const hash = createHash('sha256');
  for (const name of readdirSync(folder)
    .filter((file) => file.endsWith('.sql'))
    .sort()) {
    hash.update(`${name}\0`);
    hash.update(readFileSync(join(folder, name)));
  }
  hash.update(readFileSync(join(folder, 'meta', '_journal.json')));
  return hash.digest('hex').slice(0, 16);
}

/** The template with the migrations applied: what a new data directory needs, without running them (seconds). */
export function pgliteSchemaTemplatePath(
  root = pgliteTemplateRoot(),
  version = pgliteVersion(),
  key = migrationsKey(),
) {
  return join(root, `pglite-${version}-schema-${key}`);
}

/** A directory holds a PostgreSQL cluster once it has `PG_VERSION` (PGlite's own test). */
export function hasCluster(dir) {
  return existsSync(join(dir, 'PG_VERSION'));
}

/**
 * Creates an empty PGlite cluster (initdb, a few seconds) as the template for the installed PGlite
 * version, unless one is there already. Built in a temporary directory and renamed into place, so
 * concurrent builds are safe and an interrupted one never leaves a half template. Only the bare
 * cluster: no schema, so the template does not depend on the migrations.
 */
export async function buildPgliteTemplate(options = {}) {
  const root = options.root ?? pgliteTemplateRoot();
  const version = pgliteVersion();
  const path = pgliteTemplatePath(root, version);
  await mkdir(root, { recursive: true });
  // Only the default root belongs to one install; a root given by the environment may be shared.
  await removeLeftovers(root, version, { otherVersions: root === pgliteTemplateRoot({}) });
  const bare = await buildBareTemplate(path, options);
  const schema = await buildSchemaTemplate(path, pgliteSchemaTemplatePath(root, version), options);
  return { ...bare, schema };
}

/** The bare cluster (initdb). */
async function buildBareTemplate(path, options) {
  if (hasCluster(path) && !options.force) return { path, created: false };
  const temporary = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  try {
    const { PGlite } = await import('@electric-sql/pglite');
    // The same options as the gateway's `new PGlite(dataDir)`: the defaults.
    const client = await PGlite.create({ dataDir: temporary });
    await client.close();
    return await publish(temporary, path, options);
  } finally {
    await rm(temporary, { recursive: true, force: true });
  }
}

/**
 * A copy of the bare cluster with the committed migrations applied, as the gateway applies them (drizzle's
 * migrator, which records them): a new data directory copied from it only checks that nothing is pending.
 */
async function buildSchemaTemplate(barePath, path, options) {
  if (hasCluster(path) && !options.force) return { path, created: false };
  const temporary = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  try {
    await cp(barePath, temporary, { recursive: true });
    const [{ PGlite }, { drizzle }, { migrate }] = await Promise.all([
      import('@electric-sql/pglite'),
      import('drizzle-orm/pglite'),
      import('drizzle-orm/pglite/migrator'),
    ]);
    const client = await PGlite.create({ dataDir: temporary });
    await migrate(drizzle({ client }), { migrationsFolder: MIGRATIONS_DIR });
    await client.close();
    return await publish(temporary, path, options);
  } finally {
    await rm(temporary, { recursive: true, force: true });
  }
}

/** Renames a built cluster into place (atomic); a concurrent build that got there first wins. */
async function publish(temporary, path, options) {
  if (!hasCluster(temporary)) throw new Error('PGlite created no cluster');
  if (hasCluster(path) && !options.force) return { path, created: false };
  if (existsSync(path)) {
    // A broken template (no PG_VERSION) or a forced rebuild: move it aside first.
    const old = `${path}.old-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
    await rename(path, old).catch(() => {});
    await rm(old, { recursive: true, force: true });
  }
  try {
    await rename(temporary, path);
  } catch (error) {
    // Another build renamed its template into place first; theirs is as good as ours.
    if (hasCluster(path)) return { path, created: false };
    throw error;
  }
  return { path, created: true };
}

/**
 * Temporary directories of builds that died, and (in the default root) templates of other versions or
 * other migrations.
 */
async function removeLeftovers(root, version, { otherVersions }) {
  const current = `pglite-${version}`;
  const schema = `${current}-schema-${migrationsKey()}`;
  for (const name of await readdir(root).catch(() => [])) {
    if (!name.startsWith('pglite-') || name === current || name === schema) continue;
    const path = join(root, name);
    if (name.startsWith(`${current}.`) || name.startsWith(`${schema}.`)) {
      const age = await stat(path).then(
        (info) => Date.now() - info.mtimeMs,
        () => 0,
      );
      if (age < STALE_MS) continue;
    } else if (!otherVersions) continue;
    await rm(path, { recursive: true, force: true }).catch(() => {});
  }
}
