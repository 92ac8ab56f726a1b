import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../context';
import { isDatabaseUnavailable } from '../db/client';
import { setLinkedAccountStatus, touchLinkedAccount } from '../db/queries/linked-accounts';
import { ApiError } from '../errors';
import { withLinkedAccountEvent } from '../events/connection';
import { isCredentialsRejected } from '../providers/errors';
import { TOUCH_GRANULARITY_MS } from '../services/lookups';

const LINKED_ACCOUNT_ID = /^la_[0-9A-Za-z]{1,64}$/;

/**
 * `X-Linked-Account-Id: la_…` names the linked account of the caller's environment. An account
 * of another environment is 404 like one that does not exist, so ids reveal nothing across tenants.
 */
export const linkedAccountResolution = createMiddleware<AppEnv>(async (c, next) => {
  const id = c.req.header('x-linked-account-id')?.trim();
  if (!id) {
    throw new ApiError('invalid_request', 'Name the linked account with the `X-Linked-Account-Id` header.', {
      details: [{ field: 'X-Linked-Account-Id', message: 'header is required' }],
    });
  }
  const services = c.get('services');
  const environment = c.get('environment');
  const linkedAccount = LINKED_ACCOUNT_ID.test(id)
    ? await services.lookups.linkedAccount(environment.id, id)
    : undefined;
  if (!linkedAccount) throw new ApiError('not_found', `No linked account ${id} in this environment.`);
  if (linkedAccount.status === 'needs_reauth') {
    throw new ApiError(
      'provider_unauthorized',
      'The provider rejected the credentials of this linked account; the customer needs to link it again.',
      { details: { linked_account_status: 'needs_reauth' } },
    );
  }
  if (linkedAccount.status === 'disabled') {
    throw new ApiError('forbidden', 'This linked account is disabled.', {
      details: { linked_account_status: 'disabled' },
    });
  }
  c.set('linkedAccount', linkedAccount);
  await next();

  const now = services.now();
  // The provider's typed outcome, whatever provider: it refused the credentials themselves.
  if (isCredentialsRejected(c.error)) {
    await withLinkedAccountEvent(services.db, 'linked_account.needs_reauth', (db) =>
      setLinkedAccountStatus(db, {
        environmentId: environment.id,
        id,
        status: 'needs_reauth',
        now,
        ...(linkedAccount.credentials ? { whileCredentials: linkedAccount.credentials } : {}),
      }),
    );
    services.lookups.forgetLinkedAccount(environment.id, id);
  } else if (services.lookups.shouldTouch(`linked_account/${id}`, linkedAccount.lastUsedAt, now)) {
    // Bookkeeping: a database that cannot take the write must not fail an answer the caches served.
    try {
      await touchLinkedAccount(services.db, {
        environmentId: environment.id,
        id,
        now,
        granularityMs: TOUCH_GRANULARITY_MS,
      });
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      services.logger.warn('could not record the use of a linked account: the database is unavailable', {
        request_id: c.get('requestId'),
      });
    }
  }
});
