import type { Services } from '../context';
import { randomBase62 } from '../crypto/random';
import {
  advanceInboundEventTime,
  deleteInboundWebhook,
  getInboundWebhook,
  listActiveInboundWebhooks,
  saveInboundWebhook,
} from '../db/queries/inbound-webhooks';
import { getLinkedAccount } from '../db/queries/linked-accounts';
import type { InboundWebhook, LinkedAccount } from '../db/schema';
import { ApiError } from '../errors';

/** The encryption purpose of stored inbound tokens. */
const TOKEN_PURPOSE = 'inbound-webhook-token';
const TOKEN_LENGTH = 48;
const DAY_MS = 86_400_000;
const CATCH_UP_OVERLAP_MS = 5 * 60_000;

/** Where a provider delivers an account's notifications: a route of its own, outside the API key's reach. */
export function inboundWebhookUrl(
  services: Services,
  linkedAccount: Pick<LinkedAccount, 'id' | 'integration'>,
) {
  const provider = services.providers.resolve(linkedAccount.integration).definition.id;
  return `${services.config.publicUrl}/inbound/${provider}/${linkedAccount.id}`;
}

function describe(error: unknown): string {
  return error instanceof ApiError ? `${error.code}: ${error.message}` : 'internal error';
}

/**
 * Registers the account's webhook with its provider when the credential may (replacing one registered
 * before, whose token then stops working). Never throws: a failure is recorded (`status: failed`, shown on
 * the account) and the account stays on polling; without the right, any earlier registration is dropped.
 */
export async function registerInboundWebhook(
  services: Services,
  linkedAccount: LinkedAccount,
): Promise<void> {
  const ref = { environmentId: linkedAccount.environmentId, linkedAccountId: linkedAccount.id };
  try {
    const found = services.providers.inboundWebhooks(linkedAccount);
    if (!found?.hooks.available(found.account)) {
      await unregisterInboundWebhook(services, linkedAccount);
      return;
    }
    const previous = await getInboundWebhook(services.db, ref);
    if (previous?.remoteId) {
      await found.hooks.unregister(found.account, previous.remoteId).catch((error: unknown) =>
        services.logger.warn('could not remove the previous inbound webhook', {
          linked_account_id: linkedAccount.id,
          error: describe(error),
        }),
      );
    }
    const token = randomBase62(TOKEN_LENGTH);
    const now = services.now();
    try {
      const { remoteId } = await found.hooks.register(found.account, {
        url: inboundWebhookUrl(services, linkedAccount),
        token,
      });
      await saveInboundWebhook(services.db, {
        ...ref,
        status: 'active',
        remoteId,
        token: await services.secretBox.encrypt(token, TOKEN_PURPOSE),
        error: null,
        lastEventAt: now,
        now,
      });
      services.logger.info('inbound webhook registered', { linked_account_id: linkedAccount.id });
      // Scheduled passes now only reconcile.
      await services.jobs.scheduleAccount(linkedAccount);
    } catch (error) {
      services.logger.warn('inbound webhook registration failed; the account stays on polling', {
        linked_account_id: linkedAccount.id,
        error: describe(error),
      });
      await saveInboundWebhook(services.db, {
        ...ref,
        status: 'failed',
        remoteId: null,
        token: null,
        error: describe(error),
        lastEventAt: null,
        now,
      });
    }
  } catch (error) {
    services.logger.error('inbound webhook registration failed', {
      linked_account_id: linkedAccount.id,
      error: error instanceof Error ? `${error.name}: ${error.message}` : 'non-Error thrown',
    });
  }
}

/**
 * After a credential check: registers the webhook when the credential gained the right (or the last attempt
 * failed), drops it when the right is gone. Never throws.
 */
export async function ensureInboundWebhook(services: Services, linkedAccount: LinkedAccount): Promise<void> {
  if (linkedAccount.status !== 'active') return;
  const found = services.providers.inboundWebhooks(linkedAccount);
  const available = found?.hooks.available(found.account) === true;
  const registration = await getInboundWebhook(services.db, {
    environmentId: linkedAccount.environmentId,
    linkedAccountId: linkedAccount.id,
  }).catch(() => undefined);
  if (available && registration?.status !== 'active') await registerInboundWebhook(services, linkedAccount);
  else if (!available && registration) await unregisterInboundWebhook(services, linkedAccount);
}

/**
 * Removes the account's webhook at its provider and forgets it (account deleted, right lost). Needs the
 * account's credentials as they were: call it before they are erased or with the row read before. Never throws.
 */
export async function unregisterInboundWebhook(
  services: Services,
  linkedAccount: LinkedAccount,
): Promise<void> {
  const ref = { environmentId: linkedAccount.environmentId, linkedAccountId: linkedAccount.id };
  try {
    const registration = await getInboundWebhook(services.db, ref);
    if (!registration) return;
    const found = services.providers.inboundWebhooks(linkedAccount);
    if (found && registration.remoteId) {
      await found.hooks.unregister(found.account, registration.remoteId).catch((error: unknown) =>
        services.logger.warn('could not remove the inbound webhook at the provider', {
          linked_account_id: linkedAccount.id,
          error: describe(error),
        }),
      );
    }
    await deleteInboundWebhook(services.db, ref);
    await services.jobs.scheduleAccount(linkedAccount);
  } catch (error) {
    services.logger.error('inbound webhook removal failed', {
      linked_account_id: linkedAccount.id,
      error: error instanceof Error ? `${error.name}: ${error.message}` : 'non-Error thrown',
    });
  }
}

/** Compares in time that depends only on the expected token's length, never on where the two differ. */
export function constantTimeEqual(presented: string, expected: string): boolean {
  const given = new TextEncoder().encode(presented);
  const wanted = new TextEncoder().encode(expected);
  let difference = given.length ^ wanted.length;
  for (let i = 0; i < wanted.length; i++) difference |= wanted[i]! ^ (given[i] ?? 0);
  return difference === 0;
}

/** Does the presented token match the registration's? */
export async function inboundTokenMatches(
  services: Services,
  registration: InboundWebhook,
  presented: string | null,
): Promise<boolean> {
  if (!registration.token) return false;
  const expected = await services.secretBox.decrypt(registration.token, TOKEN_PURPOSE);
  // Compared even without a token, so a missing header takes as long as a wrong one.
  return constantTimeEqual(presented ?? '', expected) && presented !== null;
}

/** The account's registration as `GET /linked-accounts/{id}` shows it. */
export function inboundWebhookView(registration: InboundWebhook | undefined) {
  if (!registration) return null;
  return {
    status: registration.status,
    error: registration.error,
    registered_at: registration.registeredAt?.toISOString() ?? null,
    last_event_at: registration.lastEventAt?.toISOString() ?? null,
  };
}

export type CatchUpOutcome = 'caught_up' | 'full_pass' | 'skipped';

/**
 * Feeds what the provider notified while nobody listened (the gateway was down, a delivery was lost) through
 * the inbound job, from the provider's event history since the last handled change. A gap longer than that
 * history, or a webhook the provider no longer has, is reconciled with a full pass instead (and a gone
 * webhook is registered again).
 */
export async function catchUpInboundWebhook(
  services: Services,
  registration: InboundWebhook,
): Promise<CatchUpOutcome> {
  const linkedAccount = await getLinkedAccount(services.db, {
    environmentId: registration.environmentId,
    id: registration.linkedAccountId,
  });
  if (linkedAccount?.status !== 'active' || registration.status !== 'active' || !registration.remoteId) {
    return 'skipped';
  }
  const found = services.providers.inboundWebhooks(linkedAccount);
  if (!found?.hooks.available(found.account)) return 'skipped';
  const now = services.now();
  const since = registration.lastEventAt ?? registration.registeredAt ?? now;
  const changes =
    now.getTime() - since.getTime() > found.hooks.historyDays * DAY_MS
      ? null
      : await found.hooks.missedSince(found.account, registration.remoteId, since);
  if (changes === null) {
    services.logger.info('inbound webhook history does not cover the gap; running a full pass', {
      linked_account_id: linkedAccount.id,
    });
    await registerInboundWebhook(services, linkedAccount);
    await services.jobs.requestSync(linkedAccount);
    return 'full_pass';
  }
  if (changes.length === 0) {
    // Nothing missed: the history is read from a little before now next time (clocks differ slightly).
    await advanceInboundEventTime(services.db, {
      environmentId: linkedAccount.environmentId,
      linkedAccountId: linkedAccount.id,
      occurredAt: new Date(now.getTime() - CATCH_UP_OVERLAP_MS),
    });
  } else {
    await services.jobs.inbound({
      environmentId: linkedAccount.environmentId,
      linkedAccountId: linkedAccount.id,
      integration: linkedAccount.integration,
      changes,
    });
  }
  return 'caught_up';
}

/** Catch-up for every account with a webhook (at start and on the reconciliation schedule). Never throws. */
export async function catchUpInboundWebhooks(services: Services): Promise<void> {
  for (const registration of await listActiveInboundWebhooks(services.db).catch(() => [])) {
    await catchUpInboundWebhook(services, registration).catch((error: unknown) =>
      services.logger.warn('inbound webhook catch-up failed; the next one tries again', {
        linked_account_id: registration.linkedAccountId,
        error: describe(error),
      }),
    );
  }
}
