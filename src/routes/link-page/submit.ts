import type { Hono } from 'hono';
import type { AppEnv } from '../../context';
import { saveLinkTokenSession } from '../../db/queries/link-tokens';
import { findLinkedAccountsByCompany } from '../../db/queries/linked-accounts';
import type { PersonioCredentials } from '../../providers/personio/client';
import { type CredentialCheck, validatePersonioCredentials } from '../../services/linking';
import {
  credentialsPage,
  describeValidationFailure,
  type Flow,
  flowEnded,
  openPost,
  problemPage,
} from './flow';
import { takeLinkAttempt } from './security';
import { type CoverageSession, newStepNonce, sealSessionCredentials } from './session';

const MAX_CLIENT_ID = 200;
const MAX_CLIENT_SECRET = 500;

/**
 * The review step's state for credentials Personio just accepted: their coverage, and whether this end
 * user already has an account on the same company (the admin then chooses: update it, or add one).
 */
export async function coverageSession(
  flow: Flow,
  credentials: PersonioCredentials,
  check: CredentialCheck,
  nonce: string,
): Promise<CoverageSession> {
  const { linkToken, reconnectTarget, services } = flow;
  let existingAccountId: string | null = null;
  if (!reconnectTarget && check.companyFingerprint) {
    const [existing] = await findLinkedAccountsByCompany(services.db, {
      environmentId: linkToken.environmentId,
      integration: linkToken.integration,
      originId: linkToken.originId,
      companyFingerprint: check.companyFingerprint,
    });
    existingAccountId = existing?.id ?? null;
  }
  return {
    step: 'coverage',
    nonce,
    client_id: credentials.clientId,
    sealed_credentials: await sealSessionCredentials(services.secretBox, linkToken.id, credentials),
    field_coverage: check.fieldCoverage,
    resource_access: check.resourceAccess,
    suggested_label: check.companyName,
    company_fingerprint: check.companyFingerprint,
    existing_account_id: existingAccountId,
    company_changed: Boolean(
      reconnectTarget?.companyFingerprint &&
        check.companyFingerprint &&
        reconnectTarget.companyFingerprint !== check.companyFingerprint,
    ),
  };
}

/** `POST /link/{token}/credentials`: checks the credentials live; wrong ones get the form again, nothing stored. */
export function registerSubmitCredentials(app: Hono<AppEnv>) {
  app.post('/link/:token/credentials', async (c) => {
    const opened = await openPost(c);
    if (!opened.ok) return opened.response;
    const { flow, form } = opened.value;
    const { services, linkToken } = flow;
    if (flow.session.step !== 'credentials') return problemPage(c, 'stale_form', flow);

    const clientId = (form.client_id ?? '').trim();
    const clientSecret = (form.client_secret ?? '').trim();
    if (!clientId || clientId.length > MAX_CLIENT_ID) {
      return credentialsPage(c, flow, {
        clientId: clientId.slice(0, MAX_CLIENT_ID),
        status: 422,
        error: { field: 'client_id', message: 'Enter the client ID of the Personio API credential.' },
      });
    }
    if (!clientSecret || clientSecret.length > MAX_CLIENT_SECRET) {
      return credentialsPage(c, flow, {
        clientId,
        status: 422,
        error: { field: 'client_secret', message: 'Enter the client secret of the Personio API credential.' },
      });
    }
    if (!(await takeLinkAttempt(services.cache, linkToken.id))) return problemPage(c, 'rate_limited', flow);

    const credentials = { clientId, clientSecret };
    let check: CredentialCheck;
    try {
      check = await validatePersonioCredentials(services, linkToken.integration, credentials);
    } catch (error) {
      const failure = describeValidationFailure(error);
      if (!failure) throw error;
      services.logger.info('link flow: credentials not accepted', {
        link_token_id: linkToken.id,
        code: (error as { code?: string }).code,
      });
      return credentialsPage(c, flow, {
        clientId,
        status: failure.status,
        error: { message: failure.message },
      });
    }
    const session = await coverageSession(flow, credentials, check, newStepNonce());
    const saved = await saveLinkTokenSession(services.db, {
      environmentId: linkToken.environmentId,
      id: linkToken.id,
      session,
      now: services.now(),
    });
    if (!saved) return flowEnded(c, flow);
    // Post/redirect/get: reloading the review page does not send the secret again.
    return c.redirect(flow.paths.page, 303);
  });
}
