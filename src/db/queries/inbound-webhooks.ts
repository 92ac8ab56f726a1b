import { and, eq, isNull, lt, or } from 'drizzle-orm';
import type { Database } from '../client';
import { type InboundWebhook, inboundWebhooks, linkedAccounts } from '../schema';

/** The registration of an account of this environment, if any. */
export async function getInboundWebhook(
  db: Database,
  input: { environmentId: string; linkedAccountId: string },
): Promise<InboundWebhook | undefined> {
  const [row] = await db
    .select()
    .from(inboundWebhooks)
    .where(
      and(
        eq(inboundWebhooks.environmentId, input.environmentId),
        eq(inboundWebhooks.linkedAccountId, input.linkedAccountId),
      ),
    );
  return row;
}

/**
 * The registration an inbound request names by its account id alone (the provider knows no environment):
 * only the inbound route asks, and it answers the same for an unknown account and a wrong token.
 */
export async function findInboundWebhookByAccount(
  db: Database,
  linkedAccountId: string,
): Promise<{ webhook: InboundWebhook; integration: string } | undefined> {
  const [row] = await db
    .select({ webhook: inboundWebhooks, integration: linkedAccounts.integration })
    .from(inboundWebhooks)
    .innerJoin(linkedAccounts, eq(linkedAccounts.id, inboundWebhooks.linkedAccountId))
    .where(
      and(
        eq(inboundWebhooks.linkedAccountId, linkedAccountId),
        eq(inboundWebhooks.status, 'active'),
        isNull(linkedAccounts.deletedAt),
      ),
    );
  return row;
}

/** Records a registration (or its failure), replacing the previous one of the account. */
export async function saveInboundWebhook(
  db: Database,
  input: {
    environmentId: string;
    linkedAccountId: string;
    status: InboundWebhook['status'];
    remoteId: string | null;
    token: string | null;
    error: string | null;
    lastEventAt: Date | null;
    now: Date;
  },
): Promise<InboundWebhook> {
  const values = {
    status: input.status,
    remoteId: input.remoteId,
    token: input.token,
    error: input.error,
    lastEventAt: input.lastEventAt,
    registeredAt: input.status === 'active' ? input.now : null,
    updatedAt: input.now,
  };
  const [row] = await db
    .insert(inboundWebhooks)
    .values({ environmentId: input.environmentId, linkedAccountId: input.linkedAccountId, ...values })
    .onConflictDoUpdate({ target: inboundWebhooks.linkedAccountId, set: values })
    .returning();
  return row!;
}

export async function deleteInboundWebhook(
  db: Database,
  input: { environmentId: string; linkedAccountId: string },
): Promise<void> {
  await db
    .delete(inboundWebhooks)
    .where(
      and(
        eq(inboundWebhooks.environmentId, input.environmentId),
        eq(inboundWebhooks.linkedAccountId, input.linkedAccountId),
      ),
    );
}

/** Moves the catch-up point forward (never back: jobs finish out of order). */
export async function advanceInboundEventTime(
  db: Database,
  input: { environmentId: string; linkedAccountId: string; occurredAt: Date },
): Promise<void> {
  await db
    .update(inboundWebhooks)
    .set({ lastEventAt: input.occurredAt })
    .where(
      and(
        eq(inboundWebhooks.environmentId, input.environmentId),
        eq(inboundWebhooks.linkedAccountId, input.linkedAccountId),
        or(isNull(inboundWebhooks.lastEventAt), lt(inboundWebhooks.lastEventAt, input.occurredAt)),
      ),
    );
}

/** Every active registration of a live account, across environments: for catch-up at start (not a tenant's request). */
export async function listActiveInboundWebhooks(db: Database): Promise<InboundWebhook[]> {
  const rows = await db
    .select({ webhook: inboundWebhooks })
    .from(inboundWebhooks)
    .innerJoin(linkedAccounts, eq(linkedAccounts.id, inboundWebhooks.linkedAccountId))
    .where(and(eq(inboundWebhooks.status, 'active'), isNull(linkedAccounts.deletedAt)));
  return rows.map((row) => row.webhook);
}
