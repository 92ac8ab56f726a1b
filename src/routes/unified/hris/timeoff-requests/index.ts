import { createRouter } from '../../../../lib/router';
import { registerCreateTimeoffRequest } from './create';
import { registerDeleteTimeoffRequest } from './delete';
import { registerGetTimeoffRequest } from './get';
import { registerListTimeoffRequests } from './list';

export function timeoffRequestsRouter() {
  const router = createRouter();
  registerListTimeoffRequests(router);
  registerGetTimeoffRequest(router);
  registerCreateTimeoffRequest(router);
  registerDeleteTimeoffRequest(router);
  return router;
}
