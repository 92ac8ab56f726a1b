import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../context';
import { deleteWebhookEndpoint } from '../../db/queries/webhooks';
import { ApiError, errorResponses } from '../../errors';
import { SECURITY, singleEnvelope } from '../common';
import { WebhookEndpointIdParams } from './schemas';

const DeletedWebhookEndpoint = z
  .object({ id: z.string().openapi({ example: 'whe_2x8Hh4mJ7qK0aB3cD4eF5g' }), deleted: z.literal(true) })
  .openapi('DeletedWebhookEndpoint');

const route = createRoute({
  method: 'delete',
  path: '/webhook-endpoints/{id}',
  operationId: 'deleteWebhookEndpoint',
  tags: ['Webhooks'],
  summary: 'Delete a webhook endpoint',
  description: 'Stops deliveries at once and removes the endpoint with its deliveries log.',
  security: SECURITY,
  request: { params: WebhookEndpointIdParams },
  responses: {
    200: {
      description: 'The endpoint was deleted.',
      content: {
        'application/json': {
          schema: singleEnvelope(DeletedWebhookEndpoint).openapi('DeletedWebhookEndpointResult'),
        },
      },
    },
    ...errorResponses('unauthorized', 'not_found'),
  },
});

export function registerDeleteWebhookEndpoint(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const services = c.get('services');
    const environmentId = c.get('environment').id;
    const deleted = /^whe_[0-9A-Za-z]{1,64}$/.test(id)
      ? await deleteWebhookEndpoint(services.db, { environmentId, id })
      : false;
    if (!deleted) throw new ApiError('not_found', `No webhook endpoint ${id} in this environment.`);
    return c.json({ result: { id, deleted: true as const } }, 200);
  });
}
