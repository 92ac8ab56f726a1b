import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../context';
import { updateWebhookEndpoint } from '../../db/queries/webhooks';
import { ApiError, errorResponses } from '../../errors';
import { SECURITY } from '../common';
import {
  checkLinkedAccountIds,
  checkWebhookTarget,
  EventTypePatterns,
  findWebhookEndpoint,
  LinkedAccountIds,
  toWebhookEndpointResource,
  WebhookEndpointIdParams,
  WebhookEndpointResult,
  WebhookUrl,
} from './schemas';

const WebhookEndpointUpdate = z
  .object({
    url: WebhookUrl.optional(),
    event_types: EventTypePatterns.optional(),
    linked_account_ids: LinkedAccountIds.optional(),
    description: z.string().max(500).nullable().optional(),
    enabled: z.boolean().optional().openapi({
      description: '`true` turns a disabled endpoint on again (its failure streak starts afresh).',
    }),
  })
  .strict()
  .openapi('WebhookEndpointUpdate');

const route = createRoute({
  method: 'patch',
  path: '/webhook-endpoints/{id}',
  operationId: 'updateWebhookEndpoint',
  tags: ['Webhooks'],
  summary: 'Update a webhook endpoint',
  description: 'Changes the fields named in the body and leaves the others as they are.',
  security: SECURITY,
  request: {
    params: WebhookEndpointIdParams,
    body: { required: true, content: { 'application/json': { schema: WebhookEndpointUpdate } } },
  },
  responses: {
    200: {
      description: 'The updated endpoint.',
      content: { 'application/json': { schema: WebhookEndpointResult } },
    },
    ...errorResponses('invalid_request', 'unauthorized', 'not_found'),
  },
});

export function registerUpdateWebhookEndpoint(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const services = c.get('services');
    const environmentId = c.get('environment').id;
    await findWebhookEndpoint(services, environmentId, id);
    if (body.url !== undefined) await checkWebhookTarget(services, body.url);
    await checkLinkedAccountIds(services, environmentId, body.linked_account_ids);
    const updated = await updateWebhookEndpoint(services.db, {
      environmentId,
      id,
      changes: {
        ...(body.url !== undefined && { url: body.url }),
        ...(body.event_types !== undefined && { eventTypes: [...new Set(body.event_types)] }),
        ...(body.linked_account_ids !== undefined && { linkedAccountIds: body.linked_account_ids }),
        ...(body.description !== undefined && { description: body.description }),
        ...(body.enabled !== undefined && { enabled: body.enabled }),
      },
      now: services.now(),
    });
    if (!updated) throw new ApiError('not_found', `No webhook endpoint ${id} in this environment.`);
    return c.json({ result: toWebhookEndpointResource(updated) }, 200);
  });
}
