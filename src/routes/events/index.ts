import { createRouter } from '../../lib/router';
import { registerGetEvent } from './get';
import { registerListEvents } from './list';

export function eventsRouter() {
  const router = createRouter();
  registerListEvents(router);
  registerGetEvent(router);
  return router;
}
