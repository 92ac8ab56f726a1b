import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../context';
import { errorResponses } from '../../errors';
import { SECURITY } from '../common';
import { findLinkedAccount, LinkedAccountIdParams } from './common';
import { accountMappingsResource, LinkedAccountFieldMappingsResult } from './field-mappings-common';

const route = createRoute({
  method: 'get',
  path: '/linked-accounts/{id}/field-mappings',
  operationId: 'getLinkedAccountFieldMappings',
  tags: ['Field mappings'],
  summary: "Get a linked account's field mappings",
  description:
    "The account's own mappings, and `effective`: those over the environment's, which reads, events and " +
    'writes of the account apply.',
  security: SECURITY,
  request: { params: LinkedAccountIdParams },
  responses: {
    200: {
      description: "The account's mappings.",
      content: { 'application/json': { schema: LinkedAccountFieldMappingsResult } },
    },
    ...errorResponses('unauthorized', 'not_found'),
  },
});

export function registerGetLinkedAccountFieldMappings(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const services = c.get('services');
    const linkedAccount = await findLinkedAccount(services, c.get('environment').id, id);
    return c.json({ result: await accountMappingsResource(services, linkedAccount) }, 200);
  });
}
