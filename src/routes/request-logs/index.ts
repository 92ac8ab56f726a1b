import { createRouter } from '../../lib/router';
import { registerListRequestLogs } from './list';

export function requestLogsRouter() {
  const router = createRouter();
  registerListRequestLogs(router);
  return router;
}
