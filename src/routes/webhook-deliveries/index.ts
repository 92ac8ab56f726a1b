import { createRouter } from '../../lib/router';
import { registerRetryWebhookDelivery } from './retry';

export function webhookDeliveriesRouter() {
  const router = createRouter();
  registerRetryWebhookDelivery(router);
  return router;
}
