import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../context';
import { createWebhookEndpoint } from '../../db/queries/webhooks';
import { errorResponses } from '../../errors';
import { SECRET_PURPOSE } from '../../webhooks/dispatcher';
import { newWebhookSecret } from '../../webhooks/signing';
import { SECURITY } from '../common';
import {
  checkLinkedAccountIds,
  checkWebhookTarget,
  EventTypePatterns,
  LinkedAccountIds,
  toWebhookEndpointResource,
  WebhookEndpointWithSecretResult,
  WebhookUrl,
} from './schemas';

const WebhookEndpointCreate = z
  .object({
    url: WebhookUrl,
    event_types: EventTypePatterns,
    linked_account_ids: LinkedAccountIds.optional(),
    description: z.string().max(500).nullable().optional(),
    enabled: z.boolean().default(true),
  })
  .strict()
  .openapi('WebhookEndpointCreate');

const route = createRoute({
  method: 'post',
  path: '/webhook-endpoints',
  operationId: 'createWebhookEndpoint',
  tags: ['Webhooks'],
  summary: 'Create a webhook endpoint',
  description:
    'Events of this environment that match `event_types` (and `linked_account_ids`) are POSTed to `url`, ' +
    'signed per Standard Webhooks. The answer carries the signing `secret`, shown only this once. The URL ' +
    'must be https on a public address unless the deployment allows local targets (`WEBHOOK_TARGETS`).',
  security: SECURITY,
  request: { body: { required: true, content: { 'application/json': { schema: WebhookEndpointCreate } } } },
  responses: {
    201: {
      description: 'The endpoint, with its secret.',
      content: { 'application/json': { schema: WebhookEndpointWithSecretResult } },
    },
    ...errorResponses('invalid_request', 'unauthorized'),
  },
});

export function registerCreateWebhookEndpoint(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const body = c.req.valid('json');
    const services = c.get('services');
    const environmentId = c.get('environment').id;
    await checkWebhookTarget(services, body.url);
    await checkLinkedAccountIds(services, environmentId, body.linked_account_ids);
    const secret = newWebhookSecret();
    const endpoint = await createWebhookEndpoint(services.db, {
      environmentId,
      url: body.url,
      description: body.description ?? null,
      eventTypes: [...new Set(body.event_types)],
      linkedAccountIds: body.linked_account_ids ?? null,
      enabled: body.enabled,
      encryptedSecret: await services.secretBox.encrypt(secret, SECRET_PURPOSE),
      now: services.now(),
    });
    return c.json({ result: { ...toWebhookEndpointResource(endpoint), secret } }, 201);
  });
}
