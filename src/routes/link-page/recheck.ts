import type { Hono } from 'hono';
import type { AppEnv } from '../../context';
import { saveLinkTokenSession } from '../../db/queries/link-tokens';
import { type CredentialCheck, isRejectedCredential, validateCredentials } from '../../services/linking';
import {
  coveragePage,
  credentialsPage,
  describeValidationFailure,
  flowEnded,
  openPost,
  problemPage,
} from './flow';
import { takeLinkAttempt } from './security';
import { type LinkSession, newStepNonce, openSessionCredentials } from './session';
import { coverageSession, formValues } from './submit';

/** `POST /link/{token}/recheck`: after the admin changed the whitelist in Personio, measures coverage again. */
export function registerRecheckCoverage(app: Hono<AppEnv>) {
  app.post('/link/:token/recheck', async (c) => {
    const opened = await openPost(c);
    if (!opened.ok) return opened.response;
    const { flow } = opened.value;
    const { services, linkToken, session } = flow;
    if (session.step !== 'coverage') return problemPage(c, 'stale_form', flow);
    if (!(await takeLinkAttempt(services.cache, linkToken.id))) return problemPage(c, 'rate_limited', flow);

    const credentials = await openSessionCredentials(
      services.secretBox,
      linkToken.id,
      session.sealed_credentials,
    );
    let check: CredentialCheck;
    try {
      check = await validateCredentials(services, linkToken.integration, credentials);
    } catch (error) {
      const failure = describeValidationFailure(error, flow.provider.definition);
      if (!failure) throw error;
      if (!isRejectedCredential(error)) {
        return coveragePage(c, flow, session, { error: failure.message, status: failure.status });
      }
      // Revoked in Personio meanwhile: forget them and ask again.
      const restarted: LinkSession = { step: 'credentials', nonce: newStepNonce() };
      const saved = await saveLinkTokenSession(services.db, {
        environmentId: linkToken.environmentId,
        id: linkToken.id,
        session: restarted,
        now: services.now(),
      });
      if (!saved) return flowEnded(c, flow);
      return credentialsPage(c, flow, {
        values: formValues(flow.provider.definition, credentials),
        status: failure.status,
        session: restarted,
        error: { message: failure.message },
      });
    }
    const saved = await saveLinkTokenSession(services.db, {
      environmentId: linkToken.environmentId,
      id: linkToken.id,
      session: await coverageSession(flow, credentials, check, session.nonce),
      now: services.now(),
    });
    if (!saved) return flowEnded(c, flow);
    return c.redirect(flow.paths.page, 303);
  });
}
