import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type * as schema from './schema';

/** A drizzle database over postgres.js (production) or PGlite (embedded); queries take it first. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;
