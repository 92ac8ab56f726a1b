import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from '../../context';
import { registerConfirmLink } from './confirm';
import { problemPage } from './flow';
import { registerRecheckCoverage } from './recheck';
import { registerRestartLinkFlow } from './restart';
import { registerShowLinkPage } from './show';
import { registerSubmitCredentials } from './submit';

const MAX_FORM_BYTES = 16 * 1024;

/**
 * The hosted link page: server-rendered HTML for the customer's HR admin, reached with a link token
 * (no API key). Not part of the JSON API, so not in the OpenAPI document.
 */
export function linkPageRouter() {
  const router = new Hono<AppEnv>();
  router.post(
    '/link/:token/*',
    bodyLimit({ maxSize: MAX_FORM_BYTES, onError: (c) => problemPage(c, 'too_large') }),
  );
  registerShowLinkPage(router);
  registerSubmitCredentials(router);
  registerRecheckCoverage(router);
  registerRestartLinkFlow(router);
  registerConfirmLink(router);
  // Any other path or method under /link is a browser's mistake: a 404 page, not the API's JSON. Without
  // it, the form body limit above (which matches `/link/{token}` too) ends in the app's not-found error
  // inside this router, and so in the 500 page.
  router.all('/link', (c) => problemPage(c, 'not_found'));
  router.all('/link/*', (c) => problemPage(c, 'not_found'));
  router.onError((error, c) => {
    c.get('services').logger.error('link page failed', {
      request_id: c.get('requestId'),
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
    return problemPage(c, 'failed');
  });
  return router;
}
