import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../context';
import { errorResponses } from '../../errors';
import { SECURITY } from '../common';
import { findLinkedAccount, LinkedAccountIdParams } from './common';
import { SyncStatusResult, syncStatus } from './sync-common';

const route = createRoute({
  method: 'get',
  path: '/linked-accounts/{id}/sync',
  operationId: 'getLinkedAccountSync',
  tags: ['Linked accounts'],
  summary: 'Sync status',
  description:
    'The account’s sync settings and window, the pass in progress, the last finished pass (counts, duration, ' +
    'error) and when the next scheduled pass is due.',
  security: SECURITY,
  request: { params: LinkedAccountIdParams },
  responses: {
    200: { description: 'The sync status.', content: { 'application/json': { schema: SyncStatusResult } } },
    ...errorResponses('unauthorized', 'not_found'),
  },
});

export function registerGetLinkedAccountSync(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const services = c.get('services');
    const linkedAccount = await findLinkedAccount(services, c.get('environment').id, id);
    return c.json({ result: await syncStatus(services, linkedAccount) }, 200);
  });
}
