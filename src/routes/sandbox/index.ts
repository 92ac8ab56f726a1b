import { createRouter } from '../../lib/router';
import { registerRunSandboxAction } from './actions';

export function sandboxRouter() {
  const router = createRouter();
  registerRunSandboxAction(router);
  return router;
}
