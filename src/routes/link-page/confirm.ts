import type { Hono } from 'hono';
import type { AppEnv } from '../../context';
import { consumeLinkToken, saveLinkTokenSession } from '../../db/queries/link-tokens';
import { findLinkedAccountsByCompany } from '../../db/queries/linked-accounts';
import type { LinkedAccount } from '../../db/schema';
import { registerInboundWebhook } from '../../services/inbound-webhooks';
import { replaceCredentials, storeLinkedAccount } from '../../services/linking';
import {
  chrome,
  coveragePage,
  type Flow,
  flowEnded,
  openPost,
  type PageContext,
  problemPage,
  renderPage,
} from './flow';
import { saveMappingChoices } from './mapping-step';
import { type CoverageSession, openSessionCredentials } from './session';
import { doneView } from './views';

class FlowEnded extends Error {}
class TargetGone extends Error {}

type Decision =
  | { kind: 'create' }
  | { kind: 'reconnect'; target: LinkedAccount }
  | { kind: 'ask'; error?: string };

/**
 * Which account the credentials go to. A reconnect token names it. Otherwise, when this end user already
 * has an account on the same Personio company, the admin must have chosen: update it or add another —
 * never a silent overwrite, never a silent duplicate. Looked up again here, since the review page was shown.
 */
async function decide(flow: Flow, session: CoverageSession, choice: string | undefined): Promise<Decision> {
  if (flow.reconnectTarget) return { kind: 'reconnect', target: flow.reconnectTarget };
  if (!session.company_fingerprint) return { kind: 'create' };
  const matches = await findLinkedAccountsByCompany(flow.services.db, {
    environmentId: flow.linkToken.environmentId,
    integration: flow.linkToken.integration,
    originId: flow.linkToken.originId,
    companyFingerprint: session.company_fingerprint,
  });
  if (matches.length === 0) {
    // The account shown for the choice was deleted meanwhile: say so rather than create silently.
    return session.existing_account_id && choice
      ? {
          kind: 'ask',
          error: 'The existing connection was removed meanwhile. Confirm again to add this one.',
        }
      : { kind: 'create' };
  }
  const shown = matches.find((account) => account.id === session.existing_account_id);
  if (!shown) {
    return {
      kind: 'ask',
      error: 'This Personio company was just connected for the same customer. Choose what to do.',
    };
  }
  if (choice === 'reconnect') return { kind: 'reconnect', target: shown };
  if (choice === 'new') return { kind: 'create' };
  return { kind: 'ask', error: 'Choose whether to update the existing connection or add a separate one.' };
}

/**
 * `POST /link/{token}/confirm`: stores the account (or updates the one being reconnected) and consumes the
 * token in one transaction, then hands the id to the developer: redirect and/or postMessage.
 */
export function registerConfirmLink(app: Hono<AppEnv>) {
  app.post('/link/:token/confirm', async (c) => {
    const opened = await openPost(c);
    if (!opened.ok) return opened.response;
    const { flow, form } = opened.value;
    const { services, linkToken, session } = flow;
    if (session.step !== 'coverage') return problemPage(c, 'stale_form', flow);

    const decision = await decide(flow, session, form.choice);
    if (decision.kind === 'ask') {
      const current = await refreshExistingAccount(flow, session);
      return coveragePage(c, flow, current, { error: decision.error, status: decision.error ? 422 : 200 });
    }

    const credentials = await openSessionCredentials(
      services.secretBox,
      linkToken.id,
      session.sealed_credentials,
    );
    const check = {
      fieldCoverage: session.field_coverage,
      resourceAccess: session.resource_access,
      companyFingerprint: session.company_fingerprint,
      companyName: session.suggested_label,
      capabilities: session.capabilities,
    };
    // The admin's name for the connection; an emptied field keeps the suggestion (or none).
    const label = form.label?.trim().slice(0, 100) || null;
    let linkedAccount: LinkedAccount;
    try {
      linkedAccount = await services.db.transaction(async (tx) => {
        const consumed = await consumeLinkToken(tx, {
          environmentId: linkToken.environmentId,
          id: linkToken.id,
          now: services.now(),
        });
        if (!consumed) throw new FlowEnded();
        if (decision.kind === 'create') {
          return storeLinkedAccount(
            services,
            {
              environmentId: linkToken.environmentId,
              integration: linkToken.integration,
              credentials,
              originId: linkToken.originId,
              organizationName: linkToken.organizationName,
              email: linkToken.email,
              label,
              check,
            },
            tx,
          );
        }
        const updated = await replaceCredentials(
          services,
          {
            environmentId: linkToken.environmentId,
            linkedAccountId: decision.target.id,
            integration: linkToken.integration,
            credentials,
            check,
            label,
            organizationName: linkToken.organizationName,
            email: linkToken.email,
          },
          tx,
        );
        if (!updated) throw new TargetGone();
        return updated;
      });
    } catch (error) {
      if (error instanceof FlowEnded) return flowEnded(c, flow);
      if (error instanceof TargetGone) return problemPage(c, 'account_gone', flow);
      throw error;
    }
    await saveMappingChoices(flow, session, form, linkedAccount);
    // Committed: the provider may now deliver to the account (a reconnect gets a new webhook and token).
    await registerInboundWebhook(services, linkedAccount);
    // The old credentials' token must not outlive them.
    if (decision.kind === 'reconnect') await services.providers.forget(decision.target);
    services.logger.info('link flow: account linked', {
      link_token_id: linkToken.id,
      linked_account_id: linkedAccount.id,
      environment_id: linkToken.environmentId,
      reconnect: decision.kind === 'reconnect',
    });
    return handBack(c, flow, linkedAccount);
  });
}

async function refreshExistingAccount(flow: Flow, session: CoverageSession): Promise<CoverageSession> {
  if (!session.company_fingerprint) return session;
  const [existing] = await findLinkedAccountsByCompany(flow.services.db, {
    environmentId: flow.linkToken.environmentId,
    integration: flow.linkToken.integration,
    originId: flow.linkToken.originId,
    companyFingerprint: session.company_fingerprint,
  });
  const existingAccountId = existing?.id ?? null;
  if (existingAccountId === session.existing_account_id) return session;
  const updated = { ...session, existing_account_id: existingAccountId };
  await saveLinkTokenSession(flow.services.db, {
    environmentId: flow.linkToken.environmentId,
    id: flow.linkToken.id,
    session: updated,
    now: flow.services.now(),
  });
  return updated;
}

/**
 * A plain redirect when nobody listens for a message; otherwise a page that posts the id to the allowed
 * origins and then closes (popup) or redirects.
 */
function handBack(c: PageContext, flow: Flow, linkedAccount: LinkedAccount) {
  const { linkToken } = flow;
  let redirectUrl: string | null = null;
  if (linkToken.redirectUri) {
    const url = new URL(linkToken.redirectUri);
    url.searchParams.set('linked_account_id', linkedAccount.id);
    if (linkToken.state !== null) url.searchParams.set('state', linkToken.state);
    redirectUrl = url.toString();
  }
  if (redirectUrl && linkToken.allowedOrigins.length === 0) {
    c.header('Cache-Control', 'no-store');
    c.header('Referrer-Policy', 'same-origin');
    return c.redirect(redirectUrl, 303);
  }
  return renderPage(c, 200, linkToken, (nonce) =>
    doneView({
      chrome: chrome(nonce, 'Connected', flow.environment, flow.linkToken),
      linkedAccountId: linkedAccount.id,
      message: { type: 'roster:linked', linked_account_id: linkedAccount.id, state: linkToken.state },
      allowedOrigins: linkToken.allowedOrigins,
      redirectUrl,
    }),
  );
}
