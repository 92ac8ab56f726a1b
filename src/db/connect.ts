import { fileURLToPath } from 'node:url';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import type { Database } from './client';
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
  options: { migrate?: boolean; max?: number } = {},
): Promise<DatabaseHandle> {
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    connection: { application_name: 'roster' },
  });
  if (options.migrate ?? true) {
    // One dedicated connection, so the session-level advisory lock covers the whole migration.
    const migrationSql = postgres(url, { max: 1, onnotice: () => {} });
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

/** Embedded PostgreSQL (PGlite, WASM) in `dataDir`, or in memory when `dataDir` is undefined. */
export async function connectPglite(dataDir: string | undefined): Promise<DatabaseHandle> {
  const [{ PGlite }, { drizzle }, { migrate }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('drizzle-orm/pglite'),
    import('drizzle-orm/pglite/migrator'),
  ]);
  const client = dataDir ? new PGlite(dataDir) : new PGlite();
  await client.waitReady;
  const db = drizzle({ client, schema });
  await migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
  return { db: db as unknown as Database, close: () => client.close() };
}
