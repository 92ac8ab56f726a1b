import { createRouter } from '../../../../lib/router';
import { registerListTimeoffTypes } from './list';

export function timeoffTypesRouter() {
  const router = createRouter();
  registerListTimeoffTypes(router);
  return router;
}
