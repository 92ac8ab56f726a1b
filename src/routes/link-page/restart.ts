import type { Hono } from 'hono';
import type { AppEnv } from '../../context';
import { saveLinkTokenSession } from '../../db/queries/link-tokens';
import { flowEnded, openPost } from './flow';
import { newStepNonce } from './session';

/** `POST /link/{token}/restart`: back to the credential form; the checked credentials are dropped. */
export function registerRestartLinkFlow(app: Hono<AppEnv>) {
  app.post('/link/:token/restart', async (c) => {
    const opened = await openPost(c);
    if (!opened.ok) return opened.response;
    const { flow } = opened.value;
    const saved = await saveLinkTokenSession(flow.services.db, {
      environmentId: flow.linkToken.environmentId,
      id: flow.linkToken.id,
      session: { step: 'credentials', nonce: newStepNonce() },
      now: flow.services.now(),
    });
    if (!saved) return flowEnded(c, flow);
    return c.redirect(flow.paths.page, 303);
  });
}
