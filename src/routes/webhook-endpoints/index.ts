import { createRouter } from '../../lib/router';
import { registerCreateWebhookEndpoint } from './create';
import { registerDeleteWebhookEndpoint } from './delete';
import { registerListWebhookDeliveries } from './deliveries';
import { registerGetWebhookEndpoint } from './get';
import { registerListWebhookEndpoints } from './list';
import { registerReplayWebhookEvents } from './replay';
import { registerRotateWebhookSecret } from './rotate-secret';
import { registerTestWebhookEndpoint } from './test';
import { registerUpdateWebhookEndpoint } from './update';

export function webhookEndpointsRouter() {
  const router = createRouter();
  registerCreateWebhookEndpoint(router);
  registerListWebhookEndpoints(router);
  registerGetWebhookEndpoint(router);
  registerUpdateWebhookEndpoint(router);
  registerDeleteWebhookEndpoint(router);
  registerRotateWebhookSecret(router);
  registerTestWebhookEndpoint(router);
  registerListWebhookDeliveries(router);
  registerReplayWebhookEvents(router);
  return router;
}
