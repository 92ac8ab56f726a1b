import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../context';
import { listWebhookDeliveriesPage, type WebhookDeliveryPosition } from '../../db/queries/webhooks';
import { ApiError, errorResponses } from '../../errors';
import { queryBinding } from '../../lib/cursor';
import { listEnvelope, PaginationQuery, SECURITY } from '../common';
import {
  findWebhookEndpoint,
  toWebhookDeliveryResource,
  WebhookDeliverySchema,
  WebhookEndpointIdParams,
} from './schemas';

const PositionSchema = z.object({ created_at: z.string(), id: z.string() });

const route = createRoute({
  method: 'get',
  path: '/webhook-endpoints/{id}/deliveries',
  operationId: 'listWebhookDeliveries',
  tags: ['Webhooks'],
  summary: 'List an endpoint’s deliveries',
  description:
    'Newest first: the event, the status (`pending`, `succeeded`, `failed`), every attempt with its time, ' +
    'response status, latency and the first KiB of the answer, and when the next attempt is due.',
  security: SECURITY,
  request: { params: WebhookEndpointIdParams, query: PaginationQuery },
  responses: {
    200: {
      description: 'A page of deliveries.',
      content: {
        'application/json': { schema: listEnvelope(WebhookDeliverySchema).openapi('WebhookDeliveryList') },
      },
    },
    ...errorResponses('invalid_request', 'unauthorized', 'not_found'),
  },
});

export function registerListWebhookDeliveries(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const query = c.req.valid('query');
    const services = c.get('services');
    const environmentId = c.get('environment').id;
    await findWebhookEndpoint(services, environmentId, id);
    const binding = queryBinding('webhook-deliveries', environmentId, { endpoint: id });
    let after: WebhookDeliveryPosition | null = null;
    if (query.cursor) {
      const parsed = PositionSchema.safeParse(await services.cursors.decode(query.cursor, binding));
      if (!parsed.success) throw new ApiError('invalid_request', 'The cursor is not valid.');
      after = parsed.data;
    }
    const page = await listWebhookDeliveriesPage(services.db, {
      environmentId,
      endpointId: id,
      after,
      limit: query.limit,
    });
    return c.json(
      {
        result: page.deliveries.map(({ delivery, attempts }) =>
          toWebhookDeliveryResource(delivery, attempts),
        ),
        next_cursor: page.next ? await services.cursors.encode(page.next, binding) : null,
      },
      200,
    );
  });
}
