import { and, eq, isNull, lt, or } from 'drizzle-orm';
import { type EnvironmentMode, generateApiKey, hashApiKey } from '../../crypto/api-keys';
import { newId } from '../../crypto/random';
import type { Database } from '../client';
import { type ApiKey, apiKeys, type Environment, environments } from '../schema';

export async function createApiKey(
  db: Database,
  input: { environmentId: string; mode: EnvironmentMode; name: string },
): Promise<{ apiKey: ApiKey; secret: string }> {
  const { key, prefix } = generateApiKey(input.mode);
  const [apiKey] = await db
    .insert(apiKeys)
    .values({
      id: newId('key'),
      environmentId: input.environmentId,
      name: input.name,
      prefix,
      hash: await hashApiKey(key),
    })
    .returning();
  return { apiKey: apiKey!, secret: key };
}

/** The active key with this hash and its environment, or undefined when unknown or revoked. */
export async function findActiveApiKeyByHash(
  db: Database,
  hash: string,
): Promise<{ apiKey: ApiKey; environment: Environment } | undefined> {
  const [row] = await db
    .select({ apiKey: apiKeys, environment: environments })
    .from(apiKeys)
    .innerJoin(environments, eq(environments.id, apiKeys.environmentId))
    .where(and(eq(apiKeys.hash, hash), isNull(apiKeys.revokedAt)))
    .limit(1);
  return row;
}

/** Records use at most once per `granularityMs`, so a busy key does not write on every request. */
export async function touchApiKey(
  db: Database,
  input: { environmentId: string; id: string; now: Date; granularityMs: number },
) {
  const threshold = new Date(input.now.getTime() - input.granularityMs);
  await db
    .update(apiKeys)
    .set({ lastUsedAt: input.now })
    .where(
      and(
        eq(apiKeys.environmentId, input.environmentId),
        eq(apiKeys.id, input.id),
        or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, threshold)),
      ),
    );
}

export async function revokeApiKey(db: Database, input: { environmentId: string; id: string; now: Date }) {
  const rows = await db
    .update(apiKeys)
    .set({ revokedAt: input.now })
    .where(
      and(
        eq(apiKeys.environmentId, input.environmentId),
        eq(apiKeys.id, input.id),
        isNull(apiKeys.revokedAt),
      ),
    )
    .returning({ id: apiKeys.id });
  return rows.length > 0;
}

export async function listApiKeys(db: Database, input: { environmentId: string }) {
  return db
    .select({
      id: apiKeys.id,
      name: apiKeys.name,
      prefix: apiKeys.prefix,
      createdAt: apiKeys.createdAt,
      lastUsedAt: apiKeys.lastUsedAt,
      revokedAt: apiKeys.revokedAt,
    })
    .from(apiKeys)
    .where(eq(apiKeys.environmentId, input.environmentId))
    .orderBy(apiKeys.createdAt);
}
