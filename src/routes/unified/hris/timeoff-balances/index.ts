import { createRouter } from '../../../../lib/router';
import { registerListTimeoffBalances } from './list';

export function timeoffBalancesRouter() {
  const router = createRouter();
  registerListTimeoffBalances(router);
  return router;
}
