import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../context';
import { rotateWebhookSecret } from '../../db/queries/webhooks';
import { ApiError, errorResponses } from '../../errors';
import { SECRET_PURPOSE } from '../../webhooks/dispatcher';
import { newWebhookSecret } from '../../webhooks/signing';
import { SECURITY } from '../common';
import {
  findWebhookEndpoint,
  toWebhookEndpointResource,
  WebhookEndpointIdParams,
  WebhookEndpointWithSecretResult,
} from './schemas';

/** How long the replaced secret keeps signing beside the new one. */
const OVERLAP_MS = 24 * 3_600_000;

const route = createRoute({
  method: 'post',
  path: '/webhook-endpoints/{id}/rotate-secret',
  operationId: 'rotateWebhookEndpointSecret',
  tags: ['Webhooks'],
  summary: 'Rotate the signing secret',
  description:
    'Issues a new secret (shown only in this answer). For 24 hours every delivery carries two signatures, ' +
    'one per secret, so receivers can switch without missing an event.',
  security: SECURITY,
  request: { params: WebhookEndpointIdParams },
  responses: {
    200: {
      description: 'The endpoint with its new secret.',
      content: { 'application/json': { schema: WebhookEndpointWithSecretResult } },
    },
    ...errorResponses('unauthorized', 'not_found'),
  },
});

export function registerRotateWebhookSecret(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const services = c.get('services');
    const environmentId = c.get('environment').id;
    await findWebhookEndpoint(services, environmentId, id);
    const secret = newWebhookSecret();
    const now = services.now();
    const rotated = await rotateWebhookSecret(services.db, {
      environmentId,
      id,
      encryptedSecret: await services.secretBox.encrypt(secret, SECRET_PURPOSE),
      previousExpiresAt: new Date(now.getTime() + OVERLAP_MS),
      now,
    });
    if (!rotated) throw new ApiError('not_found', `No webhook endpoint ${id} in this environment.`);
    return c.json({ result: { ...toWebhookEndpointResource(rotated), secret } }, 200);
  });
}
