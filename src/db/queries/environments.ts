import { eq } from 'drizzle-orm';
import { newId } from '../../crypto/random';
import type { Database } from '../client';
import { type Environment, environments } from '../schema';

export async function createEnvironment(
  db: Database,
  input: { name: string; mode: 'test' | 'live' },
): Promise<Environment> {
  const [environment] = await db
    .insert(environments)
    .values({ id: newId('env'), name: input.name, mode: input.mode })
    .returning();
  return environment!;
}

export async function getEnvironment(db: Database, id: string): Promise<Environment | undefined> {
  const [environment] = await db.select().from(environments).where(eq(environments.id, id)).limit(1);
  return environment;
}

export async function listEnvironments(db: Database): Promise<Environment[]> {
  return db.select().from(environments).orderBy(environments.createdAt);
}
