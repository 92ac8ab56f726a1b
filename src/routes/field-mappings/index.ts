import { createRouter } from '../../lib/router';
import { registerGetFieldMappings } from './get';
import { registerPutFieldMappings } from './put';

export function fieldMappingsRouter() {
  const router = createRouter();
  registerGetFieldMappings(router);
  registerPutFieldMappings(router);
  return router;
}
