import { mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { type Logger, silentLogger } from '../lib/logger';
import { type Database, postgresConnectionOptions } from './client';
import { seedFromTemplate } from './pglite-seed';
import { hasCluster, pgliteSchemaTemplatePath, pgliteTemplatePath } from './pglite-template.mjs';
import * as schema from './schema';

/** Committed SQL migrations, resolved from this file so any working directory works. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../migrations', import.meta.url));

export interface DatabaseHandle {
  db: Database;
  close(): Promise<void>;
}

/** Serialises migrations across gateway processes that start together. */
const MIGRATION_LOCK_ID = 727_431_001;

/** PostgreSQL through postgres.js; migrations run under an advisory lock on one reserved connection. */
export async function connectPostgres(
  url: string,
  options: { migrate?: boolean; max?: number; connectTimeoutMs?: number } = {},
): Promise<DatabaseHandle> {
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    connection: { application_name: 'roster' },
    ...postgresConnectionOptions(options.connectTimeoutMs),
  });
  if (options.migrate ?? true) {
    // One dedicated connection, so the session-level advisory lock covers the whole migration.
    const migrationSql = postgres(url, {
      max: 1,
      onnotice: () => {},
      ...postgresConnectionOptions(options.connectTimeoutMs),
    });
    try {
      await migrationSql`select pg_advisory_lock(${MIGRATION_LOCK_ID})`;
      await migratePostgres(drizzlePostgres({ client: migrationSql }), {
        migrationsFolder: MIGRATIONS_FOLDER,
      });
    } finally {
      await migrationSql.end({ timeout: 5 });
    }
  }
  const db = drizzlePostgres({ client: sql, schema }) as unknown as Database;
  return { db, close: () => sql.end({ timeout: 5 }) };
}

export interface PgliteOptions {
  /**
   * Where the prebuilt template cluster for the installed PGlite version is looked for (built by
   * `scripts/pglite-template.mjs` on `npm ci`); default `pgliteTemplatePath()`. `null`: never use one.
   */
  templatePath?: string | null;
  logger?: Logger;
}

/**
 * PostgreSQL's shared buffer pool inside PGlite's WASM memory. The default, 128 MB, is allocated and
 * touched at start, so it was most of an idle embedded gateway's resident set (~375 MB, against ~285 MB with
 * 32 MB). An embedded database is small and its files stay in the OS page cache, so a smaller pool costs
 * no measurable time (50,000 inserts and 2,000 lookups: no slower at 32 MB). PGlite touches the whole pool
 * at start, so each MB is resident: 24 MB saves 8 MB more, and 2,000 index lookups on a 6 MB table cost the
 * same CPU (16 MB was slower once a table outgrew it: ~1.5× on a 25 MB one).
 */
export const EMBEDDED_SHARED_BUFFERS = '24MB';

/**
 * Embedded PostgreSQL (PGlite, WASM) in `dataDir`, or in memory when `dataDir` is undefined. A new
 * `dataDir` starts as a copy of the prebuilt template cluster when there is one, which saves
 * PGlite's initdb (seconds); without a usable template PGlite creates the cluster itself, as always.
 */
export async function connectPglite(
  dataDir: string | undefined,
  options: PgliteOptions = {},
): Promise<DatabaseHandle> {
  const logger = options.logger ?? silentLogger;
  const templatePath = !dataDir
    ? null
    : options.templatePath === undefined
      ? defaultTemplatePath()
      : options.templatePath;
  // Copying the template (file system work, off the main thread) overlaps loading PGlite and drizzle.
  const [{ PGlite }, { drizzle }, { migrate }, seeded] = await Promise.all([
    import('@electric-sql/pglite'),
    import('drizzle-orm/pglite'),
    import('drizzle-orm/pglite/migrator'),
    dataDir ? prepareDataDir(dataDir, templatePath, logger) : false,
  ]);
  const pgliteOptions = {
    startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${EMBEDDED_SHARED_BUFFERS}`],
  };
  let client: InstanceType<typeof PGlite> | undefined;
  if (dataDir && seeded) {
    try {
      client = await PGlite.create(dataDir, pgliteOptions);
      logger.info('created the embedded database from the prebuilt template', { template: templatePath });
    } catch (error) {
      logger.warn('the embedded database template is unusable; creating the database instead', {
        template: templatePath,
        error: error instanceof Error ? error.message : String(error),
      });
      await rm(dataDir, { recursive: true, force: true });
    }
  }
  if (!client) {
    client = dataDir ? new PGlite(dataDir, pgliteOptions) : new PGlite(pgliteOptions);
    await client.waitReady;
  }
  const db = drizzle({ client, schema });
  await migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
  return { db: db as unknown as Database, close: () => client.close() };
}

/**
 * The template for the installed PGlite version: the one with these migrations applied when the install
 * made it (the first start then skips running them), else the bare one; none when that cannot be worked out.
 */
function defaultTemplatePath(): string | null {
  try {
    const schema = pgliteSchemaTemplatePath();
    return hasCluster(schema) ? schema : pgliteTemplatePath();
  } catch {
    try {
      return pgliteTemplatePath();
    } catch {
      return null;
    }
  }
}

/** True when `dataDir` was just given a copy of the template; throws only when its parent cannot be made. */
async function prepareDataDir(
  dataDir: string,
  templatePath: string | null,
  logger: Logger,
): Promise<boolean> {
  await mkdir(dirname(dataDir), { recursive: true });
  if (!templatePath) return false;
  try {
    const outcome = await seedFromTemplate(dataDir, templatePath);
    if (outcome === 'no-template') {
      logger.info('no prebuilt template for the embedded database; creating it (a few seconds, once)', {
        template: templatePath,
      });
    }
    return outcome === 'seeded';
  } catch (error) {
    logger.warn('could not copy the embedded database template; creating the database instead', {
      template: templatePath,
      error: error instanceof Error ? error.message : String(error),
    });
    return false;
  }
}
