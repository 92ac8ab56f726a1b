import { z } from 'zod';
import { randomBase62 } from '../../crypto/random';
import type { SecretBox } from '../../crypto/secret-box';
import type { LinkToken } from '../../db/schema';
import { FieldCoverageSchema, ResourceAccessSchema } from '../../models/linked-account';
import type { PersonioCredentials } from '../../providers/personio/client';

const CredentialsStep = z.object({ step: z.literal('credentials'), nonce: z.string() });

const CoverageStep = z.object({
  step: z.literal('coverage'),
  nonce: z.string(),
  /** Shown again so the admin sees which credential was checked; the secret never is. */
  client_id: z.string(),
  /** JWE of the submitted credentials, sealed for this link token only (see `sealSessionCredentials`). */
  sealed_credentials: z.string(),
  field_coverage: FieldCoverageSchema,
  /** What the label field starts with: the company name the check found. */
  suggested_label: z.string().nullable().default(null),
  /** Absent in sessions started before access was checked. */
  resource_access: ResourceAccessSchema.nullable().default(null),
  company_fingerprint: z.string().nullable(),
  /** An account of the same end user already linked to this company: the admin must choose. */
  existing_account_id: z.string().nullable(),
  /** A reconnect whose credentials belong to another company than the account's. */
  company_changed: z.boolean(),
});

/** Progress of the flow between page steps, kept in `link_tokens.session`. */
export const LinkSessionSchema = z.discriminatedUnion('step', [CredentialsStep, CoverageStep]);
export type LinkSession = z.infer<typeof LinkSessionSchema>;
export type CoverageSession = z.infer<typeof CoverageStep>;

/** A fresh token starts at the credential form; its nonce is fixed until the flow first moves on. */
export function readLinkSession(linkToken: LinkToken): LinkSession {
  const parsed = LinkSessionSchema.safeParse(linkToken.session);
  return parsed.success ? parsed.data : { step: 'credentials', nonce: 'initial' };
}

export function newStepNonce(): string {
  return randomBase62(22);
}

/**
 * Between "check" and "confirm" the submitted credentials wait in the token's session, encrypted for
 * this one link token (the purpose names it), so they cannot be replayed as stored credentials or into
 * another flow. Confirming, starting over and expiry erase them.
 */
function sessionPurpose(linkTokenId: string): string {
  return `link-session:${linkTokenId}`;
}

export function sealSessionCredentials(
  secretBox: SecretBox,
  linkTokenId: string,
  credentials: PersonioCredentials,
): Promise<string> {
  return secretBox.encrypt(
    JSON.stringify({ client_id: credentials.clientId, client_secret: credentials.clientSecret }),
    sessionPurpose(linkTokenId),
  );
}

const SealedCredentials = z.object({ client_id: z.string(), client_secret: z.string() });

export async function openSessionCredentials(
  secretBox: SecretBox,
  linkTokenId: string,
  sealed: string,
): Promise<PersonioCredentials> {
  const parsed = SealedCredentials.parse(
    JSON.parse(await secretBox.decrypt(sealed, sessionPurpose(linkTokenId))),
  );
  return { clientId: parsed.client_id, clientSecret: parsed.client_secret };
}
