import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../context';
import { errorResponses } from '../../errors';
import { SECURITY } from '../common';
import {
  findWebhookEndpoint,
  toWebhookEndpointResource,
  WebhookEndpointIdParams,
  WebhookEndpointResult,
} from './schemas';

const route = createRoute({
  method: 'get',
  path: '/webhook-endpoints/{id}',
  operationId: 'getWebhookEndpoint',
  tags: ['Webhooks'],
  summary: 'Get a webhook endpoint',
  description: 'One endpoint of this environment (never its secret); another environment’s is `404`.',
  security: SECURITY,
  request: { params: WebhookEndpointIdParams },
  responses: {
    200: { description: 'The endpoint.', content: { 'application/json': { schema: WebhookEndpointResult } } },
    ...errorResponses('unauthorized', 'not_found'),
  },
});

export function registerGetWebhookEndpoint(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const endpoint = await findWebhookEndpoint(c.get('services'), c.get('environment').id, id);
    return c.json({ result: toWebhookEndpointResource(endpoint) }, 200);
  });
}
