import { and, eq, isNull, lt, or } from 'drizzle-orm';
import { newId } from '../../crypto/random';
import type { Database } from '../client';
import {
  type FieldCoverage,
  type Integration,
  type LinkedAccount,
  type LinkedAccountSettings,
  type LinkedAccountStatus,
  linkedAccounts,
} from '../schema';

export interface NewLinkedAccount {
  environmentId: string;
  integration: Integration;
  originId: string;
  organizationName?: string | null;
  email?: string | null;
  /** Already encrypted (see crypto/secret-box); this layer never sees credentials in clear. */
  encryptedCredentials: string;
  credentialsKeyId: string;
  fieldCoverage?: FieldCoverage | null;
  settings?: LinkedAccountSettings;
}

export async function createLinkedAccount(db: Database, input: NewLinkedAccount): Promise<LinkedAccount> {
  const [linkedAccount] = await db
    .insert(linkedAccounts)
    .values({
      id: newId('la'),
      environmentId: input.environmentId,
      integration: input.integration,
      originId: input.originId,
      organizationName: input.organizationName ?? null,
      email: input.email ?? null,
      credentials: input.encryptedCredentials,
      credentialsKeyId: input.credentialsKeyId,
      fieldCoverage: input.fieldCoverage ?? null,
      settings: input.settings ?? {},
    })
    .returning();
  return linkedAccount!;
}

/** A linked account of this environment that is not deleted; another environment's account is simply not found. */
export async function getLinkedAccount(
  db: Database,
  input: { environmentId: string; id: string },
): Promise<LinkedAccount | undefined> {
  const [linkedAccount] = await db
    .select()
    .from(linkedAccounts)
    .where(
      and(
        eq(linkedAccounts.environmentId, input.environmentId),
        eq(linkedAccounts.id, input.id),
        isNull(linkedAccounts.deletedAt),
      ),
    )
    .limit(1);
  return linkedAccount;
}

export async function updateLinkedAccountSettings(
  db: Database,
  input: { environmentId: string; id: string; settings: LinkedAccountSettings; now: Date },
): Promise<LinkedAccount | undefined> {
  const current = await getLinkedAccount(db, input);
  if (!current) return undefined;
  const [updated] = await db
    .update(linkedAccounts)
    .set({ settings: { ...current.settings, ...input.settings }, updatedAt: input.now })
    .where(and(eq(linkedAccounts.environmentId, input.environmentId), eq(linkedAccounts.id, input.id)))
    .returning();
  return updated;
}

export async function setLinkedAccountStatus(
  db: Database,
  input: { environmentId: string; id: string; status: LinkedAccountStatus; now: Date },
): Promise<void> {
  await db
    .update(linkedAccounts)
    .set({ status: input.status, updatedAt: input.now })
    .where(and(eq(linkedAccounts.environmentId, input.environmentId), eq(linkedAccounts.id, input.id)));
}

/** Records use at most once per `granularityMs` so reads do not turn into a write per request. */
export async function touchLinkedAccount(
  db: Database,
  input: { environmentId: string; id: string; now: Date; granularityMs: number },
): Promise<void> {
  const threshold = new Date(input.now.getTime() - input.granularityMs);
  await db
    .update(linkedAccounts)
    .set({ lastUsedAt: input.now })
    .where(
      and(
        eq(linkedAccounts.environmentId, input.environmentId),
        eq(linkedAccounts.id, input.id),
        or(isNull(linkedAccounts.lastUsedAt), lt(linkedAccounts.lastUsedAt, threshold)),
      ),
    );
}

export async function listLinkedAccounts(
  db: Database,
  input: { environmentId: string },
): Promise<LinkedAccount[]> {
  return db
    .select()
    .from(linkedAccounts)
    .where(and(eq(linkedAccounts.environmentId, input.environmentId), isNull(linkedAccounts.deletedAt)))
    .orderBy(linkedAccounts.createdAt);
}
