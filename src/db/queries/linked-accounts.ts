import { and, desc, eq, isNull, lt, ne, or, sql } from 'drizzle-orm';
import { newId } from '../../crypto/random';
import type { Database } from '../client';
import {
  type FieldCoverage,
  type Integration,
  type LinkedAccount,
  type LinkedAccountSettings,
  type LinkedAccountStatus,
  linkedAccounts,
  type ResourceAccess,
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
  resourceAccess?: ResourceAccess | null;
  companyFingerprint?: string | null;
  label?: string | null;
  settings?: LinkedAccountSettings;
}

/** The not-deleted account with this id in this environment (another environment's is never matched). */
function liveAccount(ref: { environmentId: string; id: string }) {
  return and(
    eq(linkedAccounts.environmentId, ref.environmentId),
    eq(linkedAccounts.id, ref.id),
    isNull(linkedAccounts.deletedAt),
  );
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
      resourceAccess: input.resourceAccess ?? null,
      companyFingerprint: input.companyFingerprint ?? null,
      label: input.label ?? null,
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
  const [linkedAccount] = await db.select().from(linkedAccounts).where(liveAccount(input)).limit(1);
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

/** A new label (null removes it). */
export async function setLinkedAccountLabel(
  db: Database,
  input: { environmentId: string; id: string; label: string | null; now: Date },
): Promise<LinkedAccount | undefined> {
  const [updated] = await db
    .update(linkedAccounts)
    .set({ label: input.label, updatedAt: input.now })
    .where(liveAccount(input))
    .returning();
  return updated;
}

export async function setLinkedAccountStatus(
  db: Database,
  input: {
    environmentId: string;
    id: string;
    status: LinkedAccountStatus;
    now: Date;
    /** Only while the account still has these (encrypted) credentials: a reconnect in between wins. */
    whileCredentials?: string;
  },
): Promise<LinkedAccount | undefined> {
  // Only a real transition returns the account, so exactly one caller reports it (the change feed).
  const [changed] = await db
    .update(linkedAccounts)
    .set({ status: input.status, updatedAt: input.now })
    .where(
      and(
        eq(linkedAccounts.environmentId, input.environmentId),
        eq(linkedAccounts.id, input.id),
        ne(linkedAccounts.status, input.status),
        input.whileCredentials === undefined
          ? undefined
          : eq(linkedAccounts.credentials, input.whileCredentials),
      ),
    )
    .returning();
  return changed;
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

/** Where a page of linked accounts ends: `created_at` to the microsecond (as text) and the id. */
export interface LinkedAccountPosition {
  created_at: string;
  id: string;
}

/**
 * One page of an environment's linked accounts, newest first, by keyset on (created_at, id), so a
 * walk neither skips nor repeats an account while others are created. `created_at` travels as
 * PostgreSQL text because a JavaScript Date would cut its microseconds.
 */
export async function listLinkedAccountsPage(
  db: Database,
  input: {
    environmentId: string;
    originId?: string | undefined;
    status?: LinkedAccountStatus | undefined;
    after?: LinkedAccountPosition | null;
    limit: number;
  },
): Promise<{ linkedAccounts: LinkedAccount[]; next: LinkedAccountPosition | null }> {
  const position = sql<string>`to_char(${linkedAccounts.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
  const rows = await db
    .select({ linkedAccount: linkedAccounts, position })
    .from(linkedAccounts)
    .where(
      and(
        eq(linkedAccounts.environmentId, input.environmentId),
        isNull(linkedAccounts.deletedAt),
        input.originId === undefined ? undefined : eq(linkedAccounts.originId, input.originId),
        input.status === undefined ? undefined : eq(linkedAccounts.status, input.status),
        input.after
          ? sql`(${linkedAccounts.createdAt}, ${linkedAccounts.id}) < (${input.after.created_at}::timestamptz, ${input.after.id})`
          : undefined,
      ),
    )
    .orderBy(desc(linkedAccounts.createdAt), desc(linkedAccounts.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  return {
    linkedAccounts: page.map((row) => row.linkedAccount),
    next: rows.length > input.limit && last ? { created_at: last.position, id: last.linkedAccount.id } : null,
  };
}

/**
 * Accounts of this environment and end user already linked to the same Personio company
 * (same fingerprint), newest first: the link flow asks before adding another.
 */
export async function findLinkedAccountsByCompany(
  db: Database,
  input: {
    environmentId: string;
    integration: Integration;
    originId: string;
    companyFingerprint: string;
    excludeId?: string | undefined;
  },
): Promise<LinkedAccount[]> {
  return db
    .select()
    .from(linkedAccounts)
    .where(
      and(
        eq(linkedAccounts.environmentId, input.environmentId),
        eq(linkedAccounts.integration, input.integration),
        eq(linkedAccounts.originId, input.originId),
        eq(linkedAccounts.companyFingerprint, input.companyFingerprint),
        isNull(linkedAccounts.deletedAt),
        input.excludeId === undefined ? undefined : ne(linkedAccounts.id, input.excludeId),
      ),
    )
    .orderBy(desc(linkedAccounts.createdAt));
}

/**
 * Reconnect in place: new credentials (already encrypted), their coverage and fingerprint; the account
 * becomes `active` again unless it was disabled.
 */
export async function replaceLinkedAccountCredentials(
  db: Database,
  input: {
    environmentId: string;
    id: string;
    encryptedCredentials: string;
    credentialsKeyId: string;
    fieldCoverage: FieldCoverage;
    resourceAccess?: ResourceAccess | null | undefined;
    companyFingerprint: string | null;
    label?: string | null | undefined;
    organizationName?: string | null | undefined;
    email?: string | null | undefined;
    now: Date;
  },
): Promise<LinkedAccount | undefined> {
  const [updated] = await db
    .update(linkedAccounts)
    .set({
      credentials: input.encryptedCredentials,
      credentialsKeyId: input.credentialsKeyId,
      fieldCoverage: input.fieldCoverage,
      ...(input.resourceAccess ? { resourceAccess: input.resourceAccess } : {}),
      ...(input.label ? { label: input.label } : {}),
      companyFingerprint: input.companyFingerprint,
      status: sql`case when ${linkedAccounts.status} = 'disabled' then 'disabled' else 'active' end`,
      ...(input.organizationName ? { organizationName: input.organizationName } : {}),
      ...(input.email ? { email: input.email } : {}),
      updatedAt: input.now,
    })
    .where(liveAccount(input))
    .returning();
  return updated;
}

/** The outcome of a live re-validation: status, and the coverage measured when Personio accepted. */
export async function recordLinkedAccountCheck(
  db: Database,
  input: {
    environmentId: string;
    id: string;
    status: LinkedAccountStatus;
    fieldCoverage?: FieldCoverage | undefined;
    resourceAccess?: ResourceAccess | undefined;
    companyFingerprint?: string | null | undefined;
    now: Date;
  },
): Promise<LinkedAccount | undefined> {
  const [updated] = await db
    .update(linkedAccounts)
    .set({
      status: input.status,
      ...(input.fieldCoverage ? { fieldCoverage: input.fieldCoverage } : {}),
      ...(input.resourceAccess ? { resourceAccess: input.resourceAccess } : {}),
      ...(input.companyFingerprint ? { companyFingerprint: input.companyFingerprint } : {}),
      updatedAt: input.now,
    })
    .where(liveAccount(input))
    .returning();
  return updated;
}

/** Soft delete that erases the credentials; true when this call deleted the account. */
export async function deleteLinkedAccount(
  db: Database,
  input: { environmentId: string; id: string; now: Date },
): Promise<boolean> {
  const rows = await db
    .update(linkedAccounts)
    .set({ deletedAt: input.now, credentials: null, credentialsKeyId: null, updatedAt: input.now })
    .where(liveAccount(input))
    .returning({ id: linkedAccounts.id });
  return rows.length > 0;
}
