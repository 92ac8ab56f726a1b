import { z } from 'zod';
import { randomBase62 } from '../../crypto/random';
import type { SecretBox } from '../../crypto/secret-box';
import type { LinkToken } from '../../db/schema';
import {
  FieldCoverageSchema,
  LinkedAccountCapabilitiesSchema,
  ResourceAccessSchema,
} from '../../models/linked-account';
import type { CredentialValues } from '../../providers/definition';

const CredentialsStep = z.object({ step: z.literal('credentials'), nonce: z.string() });

const CoverageStep = z.object({
  step: z.literal('coverage'),
  nonce: z.string(),
  /**
   * The credential's first non-secret field (Personio: the client id), shown again so the admin sees
   * which credential was checked; secrets never are.
   */
  credential_id: z.string(),
  /** JWE of the submitted credentials, sealed for this link token only (see `sealSessionCredentials`). */
  sealed_credentials: z.string(),
  // Kept whole: the readable fields (not shown in the API) let field mappings' coverage be judged.
  field_coverage: FieldCoverageSchema.extend({ readable_remote_fields: z.array(z.string()).optional() }),
  /** What the label field starts with: the company name the check found. */
  suggested_label: z.string().nullable().default(null),
  /** Absent in sessions started before access was checked. */
  resource_access: ResourceAccessSchema.nullable().default(null),
  /** What the credential can do beyond the base API (the provider's check); absent in older sessions. */
  capabilities: LinkedAccountCapabilitiesSchema.nullable().default(null),
  company_fingerprint: z.string().nullable(),
  /** An account of the same end user already linked to this company: the admin must choose. */
  existing_account_id: z.string().nullable(),
  /** A reconnect whose credentials belong to another company than the account's. */
  company_changed: z.boolean(),
  /** The fields the environment lets the admin map, and the credential's custom fields to pick from. */
  mapping_step: z
    .object({
      fields: z.array(z.object({ target: z.string(), label: z.string(), current: z.string().nullable() })),
      choices: z.array(
        z.object({ key: z.string(), label: z.string().nullable(), samples: z.array(z.string()) }),
      ),
    })
    .nullable()
    .default(null),
});

/** Progress of the flow between page steps, kept in `link_tokens.session`. */
export const LinkSessionSchema = z.discriminatedUnion('step', [CredentialsStep, CoverageStep]);
export type LinkSession = z.infer<typeof LinkSessionSchema>;
export type CoverageSession = z.infer<typeof CoverageStep>;

/** A fresh token starts at the credential form; its nonce is fixed until the flow first moves on. */
export function readLinkSession(linkToken: LinkToken): LinkSession {
  const stored = linkToken.session as Record<string, unknown> | null;
  // Sessions saved before credential fields became per provider named it `client_id`.
  const session =
    stored && stored.credential_id === undefined && typeof stored.client_id === 'string'
      ? { ...stored, credential_id: stored.client_id }
      : stored;
  const parsed = LinkSessionSchema.safeParse(session);
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
  credentials: CredentialValues,
): Promise<string> {
  return secretBox.encrypt(JSON.stringify(credentials), sessionPurpose(linkTokenId));
}

const SealedCredentials = z.record(z.string(), z.string());

export async function openSessionCredentials(
  secretBox: SecretBox,
  linkTokenId: string,
  sealed: string,
): Promise<CredentialValues> {
  return SealedCredentials.parse(JSON.parse(await secretBox.decrypt(sealed, sessionPurpose(linkTokenId))));
}
