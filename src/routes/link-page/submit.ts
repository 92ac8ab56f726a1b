import type { Hono } from 'hono';
import type { AppEnv } from '../../context';
import { saveLinkTokenSession } from '../../db/queries/link-tokens';
import { findLinkedAccountsByCompany } from '../../db/queries/linked-accounts';
import type { CredentialValues, ProviderDefinition } from '../../providers/definition';
import { type CredentialCheck, validateCredentials } from '../../services/linking';
import {
  credentialsPage,
  describeValidationFailure,
  type Flow,
  flowEnded,
  openPost,
  problemPage,
} from './flow';
import { mappingStep } from './mapping-step';
import { takeLinkAttempt } from './security';
import { type CoverageSession, newStepNonce, sealSessionCredentials } from './session';

/** The value the review step shows to name the credential: its first non-secret field. */
export function credentialId(definition: ProviderDefinition, credentials: CredentialValues): string {
  const shown = definition.credentials.fields.find((field) => !field.secret);
  return shown ? (credentials[shown.name] ?? '') : '';
}

/** Non-secret values to render back into the form. */
export function formValues(
  definition: ProviderDefinition,
  credentials: CredentialValues,
): Record<string, string> {
  const values: Record<string, string> = {};
  for (const field of definition.credentials.fields) {
    if (!field.secret) values[field.name] = (credentials[field.name] ?? '').slice(0, field.maxLength);
  }
  return values;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/**
 * The review step's state for credentials Personio just accepted: their coverage, and whether this end
 * user already has an account on the same company (the admin then chooses: update it, or add one).
 */
export async function coverageSession(
  flow: Flow,
  credentials: CredentialValues,
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
    credential_id: credentialId(flow.provider.definition, credentials),
    sealed_credentials: await sealSessionCredentials(services.secretBox, linkToken.id, credentials),
    field_coverage: check.fieldCoverage,
    resource_access: check.resourceAccess,
    capabilities: check.capabilities,
    suggested_label: check.companyName,
    company_fingerprint: check.companyFingerprint,
    existing_account_id: existingAccountId,
    company_changed: Boolean(
      reconnectTarget?.companyFingerprint &&
        check.companyFingerprint &&
        reconnectTarget.companyFingerprint !== check.companyFingerprint,
    ),
    mapping_step: await mappingStep(flow, credentials),
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

    const { definition } = flow.provider;
    const credentials: CredentialValues = {};
    for (const field of definition.credentials.fields)
      credentials[field.name] = (form[field.name] ?? '').trim();
    for (const field of definition.credentials.fields) {
      const value = credentials[field.name]!;
      if (!value || value.length > field.maxLength) {
        return credentialsPage(c, flow, {
          values: formValues(definition, credentials),
          status: 422,
          error: {
            field: field.name,
            message: `Enter the ${lowerFirst(field.label)} of the ${definition.displayName} API credential.`,
          },
        });
      }
    }
    if (!(await takeLinkAttempt(services.cache, linkToken.id))) return problemPage(c, 'rate_limited', flow);

    let check: CredentialCheck;
    try {
      check = await validateCredentials(services, linkToken.integration, credentials);
    } catch (error) {
      const failure = describeValidationFailure(error, definition);
      if (!failure) throw error;
      services.logger.info('link flow: credentials not accepted', {
        link_token_id: linkToken.id,
        code: (error as { code?: string }).code,
      });
      return credentialsPage(c, flow, {
        values: formValues(definition, credentials),
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
