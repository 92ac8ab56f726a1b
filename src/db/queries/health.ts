import { sql } from 'drizzle-orm';
import type { Database } from '../client';

/** A round trip to the database (for `/readyz`); it reads no tenant's data, so it takes no environment. */
export async function pingDatabase(db: Database): Promise<void> {
  await db.execute(sql`select 1`);
}
