import type { Context } from 'hono';
import type { AppEnv, Services } from '../../context';
import { randomBase62 } from '../../crypto/random';
import { getLinkedAccount } from '../../db/queries/linked-accounts';
import type { Environment, LinkedAccount, LinkToken } from '../../db/schema';
import { ApiError } from '../../errors';
import type { ProviderDefinition } from '../../providers/definition';
import { isCredentialsRejected } from '../../providers/errors';
import { findIntegration, type RegisteredIntegration } from '../../providers/registry';
import { resolveLinkToken } from '../../services/link-tokens';
import {
  csrfToken,
  isSameOriginPost,
  LINK_ATTEMPT_WINDOW_MS,
  setLinkPageHeaders,
  verifyCsrfToken,
} from './security';
import { type CoverageSession, type LinkSession, readLinkSession } from './session';
import { type Chrome, coverageView, credentialsView, type FormError, type Html, problemView } from './views';

export type PageContext = Context<AppEnv>;

/** A link token that may be used, with what every step needs. */
export interface Flow {
  services: Services;
  token: string;
  linkToken: LinkToken;
  environment: Environment;
  session: LinkSession;
  /** The account a reconnect token repairs. */
  reconnectTarget: LinkedAccount | null;
  /** The provider the token links to, from the registry. */
  provider: RegisteredIntegration;
  paths: { page: string; credentials: string; recheck: string; restart: string; confirm: string };
}

export type Opened<T> = { ok: true; value: T } | { ok: false; response: Response };

const PROBLEMS = {
  not_found: {
    status: 404,
    heading: 'This page does not exist',
    message:
      'Check the address, or go back to the application that sent you here and start connecting again.',
  },
  invalid: {
    status: 404,
    heading: 'This link is not valid',
    message:
      'Check that the whole link was copied, or go back to the application that sent you here and start again.',
  },
  expired: {
    status: 410,
    heading: 'This link has expired',
    message:
      'Links to connect are valid for a limited time. Go back to the application and start connecting again to get a new link.',
  },
  used: {
    status: 410,
    heading: 'This link has already been used',
    message: 'Each link works once. To connect again, start again from the application that sent you here.',
  },
  account_gone: {
    status: 410,
    heading: 'This connection no longer exists',
    message:
      'The connection this link was meant to update has been removed. Start again from the application that sent you here.',
  },
  stale_form: {
    status: 403,
    heading: 'This page is out of date',
    message: 'The form was sent from an older copy of this page. Reload the page to continue.',
  },
  cross_site: {
    status: 403,
    heading: 'Request refused',
    message: 'The form was not sent from this page. Open the page again to continue.',
  },
  rate_limited: {
    status: 429,
    heading: 'Too many attempts',
    message: `For your security this link accepts a limited number of attempts. Wait ${LINK_ATTEMPT_WINDOW_MS / 60_000} minutes, then reload the page.`,
  },
  too_large: {
    status: 413,
    heading: 'Request refused',
    message: 'The form sent more data than expected. Reload the page and try again.',
  },
  failed: {
    status: 500,
    heading: 'Something went wrong',
    message:
      'The connection could not be completed. Try again; if it keeps happening, contact the application that sent you here.',
  },
} as const;

export type ProblemKind = keyof typeof PROBLEMS;

/** Renders a page with fresh nonce and the link page's security headers. */
export function renderPage(
  c: PageContext,
  status: number,
  linkToken: LinkToken | undefined,
  view: (nonce: string) => Html,
): Response | Promise<Response> {
  const nonce = randomBase62(22);
  setLinkPageHeaders(c, nonce, linkToken);
  return c.html(view(nonce), status as 200);
}

export function chrome(
  nonce: string,
  title: string,
  environment?: Environment,
  linkToken?: LinkToken,
): Chrome {
  return {
    nonce,
    title,
    testMode: environment?.mode === 'test',
    provider: linkToken ? findIntegration(linkToken.integration)?.definition.displayName : undefined,
  };
}

export function problemPage(
  c: PageContext,
  kind: ProblemKind,
  flow?: { linkToken?: LinkToken | undefined; environment?: Environment | undefined; paths?: Flow['paths'] },
): Response | Promise<Response> {
  const problem = PROBLEMS[kind];
  if (kind === 'rate_limited') c.header('Retry-After', String(LINK_ATTEMPT_WINDOW_MS / 1000));
  const retry =
    flow?.paths &&
    (kind === 'stale_form' || kind === 'cross_site' || kind === 'failed' || kind === 'too_large')
      ? { href: flow.paths.page, label: 'Reload the page' }
      : undefined;
  return renderPage(c, problem.status, flow?.linkToken, (nonce) =>
    problemView({
      chrome: chrome(nonce, problem.heading, flow?.environment, flow?.linkToken),
      heading: problem.heading,
      message: problem.message,
      retry,
    }),
  );
}

/** The token was consumed or expired while this request ran. */
export function flowEnded(c: PageContext, flow: Flow): Response | Promise<Response> {
  const expired = flow.linkToken.expiresAt.getTime() <= flow.services.now().getTime();
  return problemPage(c, expired ? 'expired' : 'used', flow);
}

export function linkPaths(services: Services, token: string): Flow['paths'] {
  // Path-absolute, under PUBLIC_URL's path, so forms post to the page's own origin behind any prefix.
  const page = `${new URL(services.config.publicUrl).pathname.replace(/\/$/, '')}/link/${encodeURIComponent(token)}`;
  return {
    page,
    credentials: `${page}/credentials`,
    recheck: `${page}/recheck`,
    restart: `${page}/restart`,
    confirm: `${page}/confirm`,
  };
}

/** Resolves the token in the URL; an unusable one answers with its page (no form). */
export async function openFlow(c: PageContext): Promise<Opened<Flow>> {
  const services = c.get('services');
  const token = c.req.param('token') ?? '';
  const resolved =
    token.length <= 2048 ? await resolveLinkToken(services, token) : { status: 'invalid' as const };
  if (resolved.status !== 'valid') {
    // An expired or used token still names its row: its allowed origins may frame the explanation.
    return { ok: false, response: await problemPage(c, resolved.status, { linkToken: resolved.linkToken }) };
  }
  const { linkToken, environment } = resolved;
  const paths = linkPaths(services, token);
  const provider = findIntegration(linkToken.integration);
  // A token of a provider this deployment no longer serves cannot go anywhere.
  if (!provider) return { ok: false, response: await problemPage(c, 'invalid', { linkToken, environment }) };
  let reconnectTarget: LinkedAccount | null = null;
  if (linkToken.linkedAccountId) {
    reconnectTarget =
      (await getLinkedAccount(services.db, {
        environmentId: linkToken.environmentId,
        id: linkToken.linkedAccountId,
      })) ?? null;
    if (!reconnectTarget) {
      return { ok: false, response: await problemPage(c, 'account_gone', { linkToken, environment, paths }) };
    }
  }
  return {
    ok: true,
    value: {
      services,
      token,
      linkToken,
      environment,
      session: readLinkSession(linkToken),
      reconnectTarget,
      provider,
      paths,
    },
  };
}

export type FormFields = Record<string, string>;

/**
 * Every form post: a usable token, sent from the gateway's own page, carrying the CSRF token of the
 * flow's current step.
 */
export async function openPost(c: PageContext): Promise<Opened<{ flow: Flow; form: FormFields }>> {
  const opened = await openFlow(c);
  if (!opened.ok) return opened;
  const flow = opened.value;
  if (!isSameOriginPost(c, flow.services.config.publicUrl)) {
    return { ok: false, response: await problemPage(c, 'cross_site', flow) };
  }
  const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  const form: FormFields = {};
  for (const [name, value] of Object.entries(body)) if (typeof value === 'string') form[name] = value;
  const valid = await verifyCsrfToken(
    flow.services.secretBox,
    { linkTokenId: flow.linkToken.id, step: flow.session.step, nonce: flow.session.nonce },
    form.csrf_token,
  );
  if (!valid) return { ok: false, response: await problemPage(c, 'stale_form', flow) };
  return { ok: true, value: { flow, form } };
}

function csrfFor(flow: Flow, session: LinkSession = flow.session): Promise<string> {
  return csrfToken(flow.services.secretBox, {
    linkTokenId: flow.linkToken.id,
    step: session.step,
    nonce: session.nonce,
  });
}

export async function credentialsPage(
  c: PageContext,
  flow: Flow,
  input: {
    /** Non-secret fields as the admin typed them; secrets are never rendered back. */
    values: Record<string, string>;
    error?: FormError | undefined;
    status?: number;
    session?: LinkSession;
  },
): Promise<Response> {
  const token = await csrfFor(flow, input.session);
  const { definition, integration } = flow.provider;
  const name = definition.displayName;
  const labels = definition.coverage.remoteFieldLabels;
  return renderPage(c, input.status ?? 200, flow.linkToken, (nonce) =>
    credentialsView({
      chrome: {
        ...chrome(nonce, flow.reconnectTarget ? `Reconnect ${name}` : `Connect ${name}`, flow.environment),
        provider: name,
      },
      action: flow.paths.credentials,
      csrfToken: token,
      organizationName: flow.linkToken.organizationName ?? flow.reconnectTarget?.organizationName ?? null,
      fields: definition.credentials.fields,
      values: input.values,
      reconnect: Boolean(flow.reconnectTarget),
      sandboxHint: integration.sandbox ? (definition.credentials.sandboxHint ?? null) : null,
      help: definition.credentials.help ?? null,
      recommendedGrants: {
        title: definition.coverage.grantListTitle,
        fields: [...new Set(Object.values(definition.coverage.fieldSources).flat())].map((field) => ({
          name: field,
          label: labels[field] ?? field,
        })),
      },
      error: input.error,
    }),
  );
}

export async function coveragePage(
  c: PageContext,
  flow: Flow,
  session: CoverageSession,
  input: { error?: string | undefined; status?: number } = {},
): Promise<Response> {
  const token = await csrfFor(flow, session);
  const existing = session.existing_account_id
    ? await getLinkedAccount(flow.services.db, {
        environmentId: flow.linkToken.environmentId,
        id: session.existing_account_id,
      })
    : undefined;
  return renderPage(c, input.status ?? 200, flow.linkToken, (nonce) =>
    coverageView({
      chrome: chrome(nonce, 'Review access', flow.environment, flow.linkToken),
      actions: { confirm: flow.paths.confirm, recheck: flow.paths.recheck, restart: flow.paths.restart },
      csrfToken: token,
      credentialId: session.credential_id,
      coverage: session.field_coverage,
      remoteFieldLabels: flow.provider.definition.coverage.remoteFieldLabels,
      grantHint: flow.provider.definition.coverage.grantHint,
      grantColumn: flow.provider.definition.coverage.grantColumn,
      access: session.resource_access,
      label: flow.reconnectTarget?.label ?? session.suggested_label,
      reconnect: Boolean(flow.reconnectTarget),
      companyChanged: session.company_changed,
      existing: existing ? { id: existing.id, label: existing.label, createdAt: existing.createdAt } : null,
      mapping: session.mapping_step,
      webhooksHint:
        session.capabilities && session.capabilities.webhooks !== true
          ? flow.provider.definition.inboundWebhooksHint
          : undefined,
      error: input.error,
    }),
  );
}

/**
 * What the admin is told when the provider does not take the credentials; undefined for failures that are
 * not about them (those become the generic error page).
 */
export function describeValidationFailure(
  error: unknown,
  definition: ProviderDefinition,
): { message: string; status: number } | undefined {
  const name = definition.displayName;
  if (isCredentialsRejected(error) || (error instanceof ApiError && error.code === 'provider_unauthorized')) {
    return {
      status: 422,
      message:
        definition.credentials.rejectedMessage ??
        `${name} did not accept these credentials. Check that they were copied completely and are still active in ${name}.`,
    };
  }
  if (!(error instanceof ApiError)) return undefined;
  switch (error.code) {
    case 'provider_forbidden':
      return {
        status: 422,
        message: `${name} accepted the credential, but it may not read employees. Give it read access to employees in ${name}, then try again.`,
      };
    case 'rate_limited':
      return {
        status: 503,
        message: `${name} is limiting requests right now. Wait a minute, then try again.`,
      };
    case 'provider_error':
    case 'provider_unavailable':
    case 'provider_timeout':
      return { status: 503, message: `${name} could not be reached just now. Try again in a moment.` };
    case 'unprocessable':
      return { status: 422, message: error.message };
    default:
      return undefined;
  }
}
