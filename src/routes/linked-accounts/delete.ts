import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../context';
import { clearLinkTokenSessionsOfLinkedAccount } from '../../db/queries/link-tokens';
import { deleteLinkedAccount } from '../../db/queries/linked-accounts';
import { ApiError, errorResponses } from '../../errors';
import { withLinkedAccountEvent } from '../../events/connection';
import { unregisterInboundWebhook } from '../../services/inbound-webhooks';
import { SECURITY, singleEnvelope } from '../common';
import { findLinkedAccount, LinkedAccountIdParams } from './common';

const DeletedLinkedAccount = z
  .object({ id: z.string().openapi({ example: 'la_4kR9sTqW2mXb7YcN1pLdZe' }), deleted: z.literal(true) })
  .openapi('DeletedLinkedAccount');

const route = createRoute({
  method: 'delete',
  path: '/linked-accounts/{id}',
  operationId: 'deleteLinkedAccount',
  tags: ['Linked accounts'],
  summary: 'Delete a linked account',
  description:
    'Erases the stored credentials and drops the cached Personio token at once. The id then answers 404 ' +
    'everywhere; to connect the company again, start a new link flow.',
  security: SECURITY,
  request: { params: LinkedAccountIdParams },
  responses: {
    200: {
      description: 'The account was deleted.',
      content: {
        'application/json': {
          schema: singleEnvelope(DeletedLinkedAccount).openapi('DeletedLinkedAccountResult'),
        },
      },
    },
    ...errorResponses('unauthorized', 'not_found'),
  },
});

export function registerDeleteLinkedAccount(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const services = c.get('services');
    const environmentId = c.get('environment').id;
    const linkedAccount = await findLinkedAccount(services, environmentId, id);
    const now = services.now();
    const gone = { ...linkedAccount, deletedAt: now };
    const deleted = await withLinkedAccountEvent(services.db, 'linked_account.deleted', async (db) =>
      (await deleteLinkedAccount(db, { environmentId, id, now })) ? gone : undefined,
    );
    services.lookups.forgetLinkedAccount(environmentId, id);
    // A concurrent delete won; to this caller the account is gone either way.
    if (!deleted) throw new ApiError('not_found', `No linked account ${id} in this environment.`);
    // With the credentials read before they were erased: the provider stops sending to a gone account.
    await unregisterInboundWebhook(services, linkedAccount);
    await services.providers.forget(linkedAccount);
    await services.jobs.scheduleAccount(gone);
    await clearLinkTokenSessionsOfLinkedAccount(services.db, { environmentId, linkedAccountId: id });
    return c.json({ result: { id, deleted: true as const } }, 200);
  });
}
