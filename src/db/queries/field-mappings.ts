import { and, eq, inArray } from 'drizzle-orm';
import type { Database } from '../client';
import { type FieldMappingsRow, fieldMappings, type StoredFieldMapping } from '../schema';

/** The scope of an environment's defaults; an account's overrides are scoped by the account id. */
export const ENVIRONMENT_SCOPE = '';

/** The environment's defaults and, with `linkedAccountId`, that account's overrides: one query. */
export async function getFieldMappings(
  db: Database,
  input: { environmentId: string; linkedAccountId?: string | undefined },
): Promise<{ defaults: FieldMappingsRow | undefined; overrides: FieldMappingsRow | undefined }> {
  const scopes = input.linkedAccountId ? [ENVIRONMENT_SCOPE, input.linkedAccountId] : [ENVIRONMENT_SCOPE];
  const rows = await db
    .select()
    .from(fieldMappings)
    .where(and(eq(fieldMappings.environmentId, input.environmentId), inArray(fieldMappings.scope, scopes)));
  return {
    defaults: rows.find((row) => row.scope === ENVIRONMENT_SCOPE),
    overrides: input.linkedAccountId ? rows.find((row) => row.scope === input.linkedAccountId) : undefined,
  };
}

/** Every mapping row of the environment (defaults and each account's), for listing accounts. */
export async function listFieldMappings(
  db: Database,
  input: { environmentId: string },
): Promise<FieldMappingsRow[]> {
  return db.select().from(fieldMappings).where(eq(fieldMappings.environmentId, input.environmentId));
}

/** Replaces the mappings of one scope (an empty list removes the row). */
export async function putFieldMappings(
  db: Database,
  input: { environmentId: string; scope: string; mappings: StoredFieldMapping[]; now: Date },
): Promise<FieldMappingsRow | undefined> {
  const where = and(
    eq(fieldMappings.environmentId, input.environmentId),
    eq(fieldMappings.scope, input.scope),
  );
  if (input.mappings.length === 0) {
    await db.delete(fieldMappings).where(where);
    return undefined;
  }
  const [row] = await db
    .insert(fieldMappings)
    .values({
      environmentId: input.environmentId,
      scope: input.scope,
      mappings: input.mappings,
      createdAt: input.now,
      updatedAt: input.now,
    })
    .onConflictDoUpdate({
      target: [fieldMappings.environmentId, fieldMappings.scope],
      set: { mappings: input.mappings, updatedAt: input.now },
    })
    .returning();
  return row;
}
