import type { Database } from '../db/client';
import { insertEvents } from '../db/queries/events';
import type { LinkedAccount } from '../db/schema';
import { toLinkedAccountResource } from '../models/linked-account';

type ConnectionEventType =
  | 'linked_account.connected'
  | 'linked_account.needs_reauth'
  | 'linked_account.deleted';

/**
 * Changes a linked account and records the connection event in the same transaction, so the change is
 * never committed without its event. `change` returns the account as changed, or nothing when it did not
 * change (then no event).
 */
export async function withLinkedAccountEvent<Changed extends LinkedAccount | undefined | null>(
  db: Database,
  type: ConnectionEventType,
  change: (tx: Database) => Promise<Changed>,
): Promise<Changed> {
  return db.transaction(async (tx) => {
    const inner = tx as unknown as Database;
    const changed = await change(inner);
    if (changed) {
      await insertEvents(inner, {
        environmentId: changed.environmentId,
        linkedAccountId: changed.id,
        events: [{ type, data: { object: toLinkedAccountResource(changed) } }],
      });
    }
    return changed;
  });
}
