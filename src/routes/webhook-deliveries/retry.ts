import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../context';
import { getWebhookDelivery, getWebhookEndpoint, retryWebhookDelivery } from '../../db/queries/webhooks';
import { ApiError, errorResponses } from '../../errors';
import { SECURITY, singleEnvelope } from '../common';
import { toWebhookDeliveryResource, WebhookDeliverySchema } from '../webhook-endpoints/schemas';

const WebhookDeliveryIdParams = z.object({
  id: z
    .string()
    .min(1)
    .max(80)
    .openapi({ param: { name: 'id', in: 'path' }, example: 'whd_2x8Hh4mJ7qK0aB3cD4eF5g' }),
});

const route = createRoute({
  method: 'post',
  path: '/webhook-deliveries/{id}/retry',
  operationId: 'retryWebhookDelivery',
  tags: ['Webhooks'],
  summary: 'Send a delivery again now',
  description:
    'Makes the delivery due now, whatever its status (with an attempt in flight: once that attempt ends, ' +
    'whatever its outcome); the next attempt carries the same `webhook-id`. ' +
    'Its earlier attempts stay in the log. A delivery of a disabled endpoint is `409`: enable the endpoint first.',
  security: SECURITY,
  request: { params: WebhookDeliveryIdParams },
  responses: {
    202: {
      description: 'The delivery is due.',
      content: {
        'application/json': {
          schema: singleEnvelope(WebhookDeliverySchema).openapi('WebhookDeliveryResult'),
        },
      },
    },
    ...errorResponses('unauthorized', 'not_found', 'conflict'),
  },
});

export function registerRetryWebhookDelivery(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const services = c.get('services');
    const environmentId = c.get('environment').id;
    const known = /^whd_[0-9A-Za-z]{1,64}$/.test(id)
      ? await getWebhookDelivery(services.db, { environmentId, id })
      : undefined;
    if (!known) throw new ApiError('not_found', `No webhook delivery ${id} in this environment.`);
    const disabled = (endpointId: string) =>
      // Nothing would ever send it: a disabled endpoint's deliveries are not claimed.
      new ApiError('conflict', 'The webhook endpoint is disabled; enable it (PATCH `enabled: true`) first.', {
        details: { webhook_endpoint_id: endpointId },
      });
    const endpoint = await getWebhookEndpoint(services.db, { environmentId, id: known.endpointId });
    if (endpoint && !endpoint.enabled) throw disabled(endpoint.id);
    const delivery = await retryWebhookDelivery(services.db, { environmentId, id, now: services.now() });
    if (!delivery) {
      // The endpoint was turned off (or deleted, with its deliveries) since it was read.
      const current = await getWebhookEndpoint(services.db, { environmentId, id: known.endpointId });
      if (current && !current.enabled) throw disabled(current.id);
      throw new ApiError('not_found', `No webhook delivery ${id} in this environment.`);
    }
    return c.json({ result: toWebhookDeliveryResource(delivery, []) }, 202);
  });
}
