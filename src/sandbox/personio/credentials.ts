export interface SandboxCredential {
  clientId: string;
  clientSecret: string;
  /** attribute keys this credential may read (whitelist); undefined = every attribute */
  whitelist?: string[];
  /** access rights (`employees:read`, `absences:write`, `attendances:read`, …); undefined = all of them */
  scopes?: SandboxScope[];
  /**
   * Scopes a v2 token of this credential may carry (`POST /v2/auth/token`); undefined = every scope the
   * simulator serves, `null` = the credential cannot obtain a v2 token at all (answered `unauthorized_client`).
   * ASSUMPTION: Personio issues v1 and v2 tokens for the same credential; a v1-only credential is modelled for
   * the gateway's detection of v2 access.
   */
  v2Scopes?: string[] | null;
}

export const SANDBOX_SCOPES = [
  'employees:read',
  'employees:write',
  'absences:read',
  'absences:write',
  'attendances:read',
  'attendances:write',
] as const;
export type SandboxScope = (typeof SANDBOX_SCOPES)[number];

/** Well-known zero-setup credentials: one sees every attribute, one sees a typical minimal whitelist. */
export const SANDBOX_CREDENTIALS: { full: SandboxCredential; limited: SandboxCredential } = {
  full: { clientId: 'sandbox-full', clientSecret: 'sandbox-secret-full' },
  limited: {
    clientId: 'sandbox-limited',
    clientSecret: 'sandbox-secret-limited',
    whitelist: ['id', 'first_name', 'last_name', 'email', 'status'],
    // A typical read-only credential: no writes, no attendances.
    scopes: ['employees:read', 'absences:read'],
  },
};

/** A credential that may only use v1 (no v2 token), for the gateway's version detection. */
export const SANDBOX_V1_ONLY_CREDENTIAL: SandboxCredential = {
  clientId: 'sandbox-v1-only',
  clientSecret: 'sandbox-secret-v1-only',
  v2Scopes: null,
};

/**
 * A credential whose v2 tokens may read persons and absences but not manage webhooks (no
 * `personio:webhooks:*` scope), so the gateway polls only: `POST /v2/webhooks` answers it 403.
 */
export const SANDBOX_NO_WEBHOOKS_CREDENTIAL: SandboxCredential = {
  clientId: 'sandbox-no-webhooks',
  clientSecret: 'sandbox-secret-no-webhooks',
  v2Scopes: ['personio:persons:read', 'personio:absences:read'],
};
