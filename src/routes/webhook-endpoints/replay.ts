import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../context';
import { replayEventsToEndpoint } from '../../db/queries/webhooks';
import { ApiError, errorResponses } from '../../errors';
import { SECURITY, singleEnvelope } from '../common';
import { findWebhookEndpoint, WebhookEndpointIdParams } from './schemas';

const ReplayBody = z
  .object({
    since: z
      .string()
      .refine(
        (value) =>
          /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) &&
          !Number.isNaN(Date.parse(value)),
        {
          message: 'must be an ISO 8601 date-time with offset',
        },
      )
      .openapi({ format: 'date-time', example: '2026-11-30T08:00:00Z' }),
  })
  .strict()
  .openapi('WebhookReplay');

const ReplayResult = z
  .object({ deliveries: z.number().int().openapi({ description: 'Events queued again for this endpoint.' }) })
  .openapi('WebhookReplayResult');

const route = createRoute({
  method: 'post',
  path: '/webhook-endpoints/{id}/replay',
  operationId: 'replayWebhookEvents',
  tags: ['Webhooks'],
  summary: 'Re-send events since an instant',
  description:
    'Queues a new delivery of every event recorded since `since` that the endpoint subscribes to now (types ' +
    'and linked accounts). Each keeps its event id as `webhook-id`, so receivers that ' +
    'de-duplicate on it ignore the ones they already have. Events are kept `EVENT_RETENTION_DAYS`.',
  security: SECURITY,
  request: {
    params: WebhookEndpointIdParams,
    body: { required: true, content: { 'application/json': { schema: ReplayBody } } },
  },
  responses: {
    202: {
      description: 'The deliveries were queued.',
      content: {
        'application/json': { schema: singleEnvelope(ReplayResult).openapi('WebhookReplayResultEnvelope') },
      },
    },
    ...errorResponses('invalid_request', 'unauthorized', 'not_found', 'conflict'),
  },
});

export function registerReplayWebhookEvents(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const { since } = c.req.valid('json');
    const services = c.get('services');
    const environmentId = c.get('environment').id;
    const endpoint = await findWebhookEndpoint(services, environmentId, id);
    if (!endpoint.enabled)
      throw new ApiError('conflict', 'The endpoint is disabled; enable it before a replay.');
    const deliveries = await replayEventsToEndpoint(services.db, {
      environmentId,
      endpoint,
      since: new Date(since),
      now: services.now(),
    });
    return c.json({ result: { deliveries } }, 202);
  });
}
