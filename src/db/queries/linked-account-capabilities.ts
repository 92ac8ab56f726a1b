import { and, eq, isNull } from 'drizzle-orm';
import type { Database } from '../client';
import { type LinkedAccount, type LinkedAccountCapabilities, linkedAccounts } from '../schema';

/** Records what a live check found the account's credential can do (undefined when no live account matched). */
export async function setLinkedAccountCapabilities(
  db: Database,
  input: { environmentId: string; id: string; capabilities: LinkedAccountCapabilities },
): Promise<LinkedAccount | undefined> {
  const [updated] = await db
    .update(linkedAccounts)
    .set({ capabilities: input.capabilities })
    .where(
      and(
        eq(linkedAccounts.environmentId, input.environmentId),
        eq(linkedAccounts.id, input.id),
        isNull(linkedAccounts.deletedAt),
      ),
    )
    .returning();
  return updated;
}
