import { and, eq, gt, isNotNull, isNull, lte } from 'drizzle-orm';
import type { Database } from '../client';
import { type Integration, type LinkToken, linkTokens } from '../schema';

export interface NewLinkToken {
  id: string;
  environmentId: string;
  integration: Integration;
  linkedAccountId?: string | null;
  originId: string;
  organizationName?: string | null;
  email?: string | null;
  redirectUri?: string | null;
  allowedOrigins: string[];
  state?: string | null;
  expiresAt: Date;
  now: Date;
}

export async function createLinkToken(db: Database, input: NewLinkToken): Promise<LinkToken> {
  const [linkToken] = await db
    .insert(linkTokens)
    .values({
      id: input.id,
      environmentId: input.environmentId,
      integration: input.integration,
      linkedAccountId: input.linkedAccountId ?? null,
      originId: input.originId,
      organizationName: input.organizationName ?? null,
      email: input.email ?? null,
      redirectUri: input.redirectUri ?? null,
      allowedOrigins: input.allowedOrigins,
      state: input.state ?? null,
      expiresAt: input.expiresAt,
      createdAt: input.now,
    })
    .returning();
  return linkToken!;
}

export async function getLinkToken(
  db: Database,
  input: { environmentId: string; id: string },
): Promise<LinkToken | undefined> {
  const [linkToken] = await db
    .select()
    .from(linkTokens)
    .where(and(eq(linkTokens.environmentId, input.environmentId), eq(linkTokens.id, input.id)))
    .limit(1);
  return linkToken;
}

/** Saves the flow's progress; a consumed or expired token is left alone (false). */
export async function saveLinkTokenSession(
  db: Database,
  input: { environmentId: string; id: string; session: Record<string, unknown> | null; now: Date },
): Promise<boolean> {
  const rows = await db
    .update(linkTokens)
    .set({ session: input.session })
    .where(
      and(
        eq(linkTokens.environmentId, input.environmentId),
        eq(linkTokens.id, input.id),
        isNull(linkTokens.consumedAt),
        gt(linkTokens.expiresAt, input.now),
      ),
    )
    .returning({ id: linkTokens.id });
  return rows.length > 0;
}

/**
 * Marks the token used and drops its session (which may hold sealed credentials), in one
 * conditional update: of two concurrent confirmations only one gets the row back.
 */
export async function consumeLinkToken(
  db: Database,
  input: { environmentId: string; id: string; now: Date },
): Promise<LinkToken | undefined> {
  const [linkToken] = await db
    .update(linkTokens)
    .set({ consumedAt: input.now, session: null })
    .where(
      and(
        eq(linkTokens.environmentId, input.environmentId),
        eq(linkTokens.id, input.id),
        isNull(linkTokens.consumedAt),
        gt(linkTokens.expiresAt, input.now),
      ),
    )
    .returning();
  return linkToken;
}

/** Expired tokens keep no flow state: sealed credentials of abandoned flows do not linger. */
export async function clearExpiredLinkTokenSessions(
  db: Database,
  input: { environmentId: string; now: Date },
): Promise<number> {
  const rows = await db
    .update(linkTokens)
    .set({ session: null })
    .where(
      and(
        eq(linkTokens.environmentId, input.environmentId),
        lte(linkTokens.expiresAt, input.now),
        isNotNull(linkTokens.session),
      ),
    )
    .returning({ id: linkTokens.id });
  return rows.length;
}

/** A deleted account's pending reconnect flows drop what they hold (sealed credentials included). */
export async function clearLinkTokenSessionsOfLinkedAccount(
  db: Database,
  input: { environmentId: string; linkedAccountId: string },
): Promise<void> {
  await db
    .update(linkTokens)
    .set({ session: null })
    .where(
      and(
        eq(linkTokens.environmentId, input.environmentId),
        eq(linkTokens.linkedAccountId, input.linkedAccountId),
        isNull(linkTokens.consumedAt),
      ),
    );
}
