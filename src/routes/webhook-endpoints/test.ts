import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../context';
import { randomBase62 } from '../../crypto/random';
import { errorResponses } from '../../errors';
import { signingSecrets, WEBHOOK_USER_AGENT } from '../../webhooks/dispatcher';
import { signWebhook } from '../../webhooks/signing';
import { SECURITY, singleEnvelope } from '../common';
import { findWebhookEndpoint, WebhookAttemptSchema, WebhookEndpointIdParams } from './schemas';

const PingResult = z
  .object({
    id: z
      .string()
      .openapi({ description: 'The `webhook-id` of the ping.', example: 'ping_2x8Hh4mJ7qK0aB3cD4eF5g' }),
    delivered: z.boolean().openapi({ description: 'The endpoint answered 2xx.' }),
    attempt: WebhookAttemptSchema,
  })
  .openapi('WebhookPingResult');

const route = createRoute({
  method: 'post',
  path: '/webhook-endpoints/{id}/test',
  operationId: 'testWebhookEndpoint',
  tags: ['Webhooks'],
  summary: 'Send a test ping',
  description:
    'Sends `{ "type": "ping", … }`, signed like every delivery, now, once, and reports what the endpoint ' +
    'answered. Pings are not retried and not in the deliveries log.',
  security: SECURITY,
  request: { params: WebhookEndpointIdParams },
  responses: {
    200: {
      description: 'What the endpoint answered (also when it failed).',
      content: {
        'application/json': { schema: singleEnvelope(PingResult).openapi('WebhookPingResultEnvelope') },
      },
    },
    ...errorResponses('unauthorized', 'not_found'),
  },
});

export function registerTestWebhookEndpoint(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const services = c.get('services');
    const endpoint = await findWebhookEndpoint(services, c.get('environment').id, id);
    const now = services.now();
    const pingId = `ping_${randomBase62(22)}`;
    const payload = JSON.stringify({
      id: pingId,
      type: 'ping',
      created_at: now.toISOString(),
      linked_account_id: null,
      data: { object: { id: endpoint.id, url: endpoint.url } },
    });
    const headers = signWebhook({
      secrets: await signingSecrets(services.secretBox, endpoint, now),
      id: pingId,
      timestamp: now,
      payload,
    });
    const response = await services.webhookSender.send({
      url: endpoint.url,
      headers: { ...headers, 'content-type': 'application/json', 'user-agent': WEBHOOK_USER_AGENT },
      body: payload,
      timeoutMs: services.config.webhooks.timeoutMs,
    });
    const delivered = response.status !== null && response.status >= 200 && response.status < 300;
    return c.json(
      {
        result: {
          id: pingId,
          delivered,
          attempt: {
            attempted_at: now.toISOString(),
            response_status: response.status,
            latency_ms: response.latencyMs,
            response_body: response.status === null ? null : response.body,
            error: response.status === null ? response.error : null,
          },
        },
      },
      200,
    );
  });
}
