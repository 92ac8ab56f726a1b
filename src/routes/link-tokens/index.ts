import { createRouter } from '../../lib/router';
import { registerCreateLinkToken } from './create';

export function linkTokensRouter() {
  const router = createRouter();
  registerCreateLinkToken(router);
  return router;
}
