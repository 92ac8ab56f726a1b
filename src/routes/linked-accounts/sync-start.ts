import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../context';
import { requestSyncPass } from '../../db/queries/sync';
import { ApiError, errorResponses } from '../../errors';
import { SECURITY } from '../common';
import { findLinkedAccount, LinkedAccountIdParams } from './common';
import { SyncStatusResult, syncStatus } from './sync-common';

const route = createRoute({
  method: 'post',
  path: '/linked-accounts/{id}/sync',
  operationId: 'startLinkedAccountSync',
  tags: ['Linked accounts'],
  summary: 'Start a sync pass now',
  description:
    'Starts a reconciliation pass: Roster walks the account in Personio, updates its synced copy and records ' +
    'an event for every change. When a pass is already running, one more follows it, so every change made ' +
    'before this call is seen. Follow progress with `GET /linked-accounts/{id}/sync`, results in `GET /events`. ' +
    'Works also while scheduled passes are off (`sync_enabled: false`).',
  security: SECURITY,
  request: { params: LinkedAccountIdParams },
  responses: {
    202: {
      description: 'The pass is queued; the body is the sync status at this moment.',
      content: { 'application/json': { schema: SyncStatusResult } },
    },
    ...errorResponses('unauthorized', 'not_found', 'conflict'),
  },
});

export function registerStartLinkedAccountSync(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const services = c.get('services');
    const linkedAccount = await findLinkedAccount(services, c.get('environment').id, id);
    if (linkedAccount.status !== 'active') {
      throw new ApiError(
        'conflict',
        `The linked account is ${linkedAccount.status}; reconnect it before syncing.`,
        {
          details: { linked_account_status: linkedAccount.status },
        },
      );
    }
    const ref = { environmentId: linkedAccount.environmentId, linkedAccountId: linkedAccount.id };
    // Recorded before the job is queued: a pass running now sees it and runs once more.
    await requestSyncPass(services.db, ref);
    await services.jobs.requestSync(linkedAccount);
    return c.json({ result: await syncStatus(services, linkedAccount) }, 202);
  });
}
