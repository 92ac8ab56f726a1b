import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../context';
import { errorResponses } from '../../errors';
import { SECURITY } from '../common';
import { findLinkedAccount, LinkedAccountIdParams, LinkedAccountResult } from './common';
import { linkedAccountResource } from './field-mappings-common';

const route = createRoute({
  method: 'get',
  path: '/linked-accounts/{id}',
  operationId: 'getLinkedAccount',
  tags: ['Linked accounts'],
  summary: 'Get a linked account',
  description:
    'Status, end user, field coverage (which unified Employee fields the credential can fill, and which ' +
    'Personio attributes to whitelist for the others), settings and timestamps. Never the credentials.',
  security: SECURITY,
  request: { params: LinkedAccountIdParams },
  responses: {
    200: {
      description: 'The linked account.',
      content: { 'application/json': { schema: LinkedAccountResult } },
    },
    ...errorResponses('unauthorized', 'not_found'),
  },
});

export function registerGetLinkedAccount(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const services = c.get('services');
    const linkedAccount = await findLinkedAccount(services, c.get('environment').id, id);
    return c.json({ result: await linkedAccountResource(services, linkedAccount) }, 200);
  });
}
