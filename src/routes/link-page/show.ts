import type { Hono } from 'hono';
import type { AppEnv } from '../../context';
import { coveragePage, credentialsPage, openFlow } from './flow';

/** `GET /link/{token}`: the step the flow is at — the credential form, or the coverage review. */
export function registerShowLinkPage(app: Hono<AppEnv>) {
  app.get('/link/:token', async (c) => {
    const opened = await openFlow(c);
    if (!opened.ok) return opened.response;
    const flow = opened.value;
    if (flow.session.step === 'coverage') return coveragePage(c, flow, flow.session);
    return credentialsPage(c, flow, { values: {} });
  });
}
