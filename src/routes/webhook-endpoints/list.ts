import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../context';
import { listWebhookEndpointsPage, type WebhookEndpointPosition } from '../../db/queries/webhooks';
import { ApiError, errorResponses } from '../../errors';
import { queryBinding } from '../../lib/cursor';
import { listEnvelope, PaginationQuery, SECURITY } from '../common';
import { toWebhookEndpointResource, WebhookEndpointSchema } from './schemas';

const PositionSchema = z.object({ created_at: z.string(), id: z.string() });

const route = createRoute({
  method: 'get',
  path: '/webhook-endpoints',
  operationId: 'listWebhookEndpoints',
  tags: ['Webhooks'],
  summary: 'List webhook endpoints',
  description: 'Webhook endpoints of this environment, newest first. Secrets are never listed.',
  security: SECURITY,
  request: { query: PaginationQuery },
  responses: {
    200: {
      description: 'A page of endpoints.',
      content: {
        'application/json': { schema: listEnvelope(WebhookEndpointSchema).openapi('WebhookEndpointList') },
      },
    },
    ...errorResponses('invalid_request', 'unauthorized'),
  },
});

export function registerListWebhookEndpoints(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const query = c.req.valid('query');
    const services = c.get('services');
    const environmentId = c.get('environment').id;
    const binding = queryBinding('webhook-endpoints', environmentId, {});
    let after: WebhookEndpointPosition | null = null;
    if (query.cursor) {
      const parsed = PositionSchema.safeParse(await services.cursors.decode(query.cursor, binding));
      if (!parsed.success) throw new ApiError('invalid_request', 'The cursor is not valid.');
      after = parsed.data;
    }
    const page = await listWebhookEndpointsPage(services.db, { environmentId, after, limit: query.limit });
    return c.json(
      {
        result: page.endpoints.map(toWebhookEndpointResource),
        next_cursor: page.next ? await services.cursors.encode(page.next, binding) : null,
      },
      200,
    );
  });
}
