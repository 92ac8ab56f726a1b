import type { Database } from '../db/client';
import { insertEvents } from '../db/queries/events';
import type { LinkedAccount } from '../db/schema';
import { toLinkedAccountResource } from '../models/linked-account';

type ConnectionEventType =
  | 'linked_account.connected'
  | 'linked_account.needs_reauth'
  | 'linked_account.deleted';

/** A connection event about a linked account; its object is the account as the API shows it. */
export async function emitLinkedAccountEvent(
  db: Database,
  type: ConnectionEventType,
  linkedAccount: LinkedAccount,
): Promise<void> {
  await db.transaction(async (tx) => {
    await insertEvents(tx as unknown as Database, {
      environmentId: linkedAccount.environmentId,
      linkedAccountId: linkedAccount.id,
      events: [{ type, data: { object: toLinkedAccountResource(linkedAccount) } }],
    });
  });
}
