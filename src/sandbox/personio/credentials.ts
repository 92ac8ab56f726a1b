export interface SandboxCredential {
  clientId: string;
  clientSecret: string;
  /** attribute keys this credential may read (whitelist); undefined = every attribute */
  whitelist?: string[];
  /** access rights (`employees:read`, `absences:write`, `attendances:read`, …); undefined = all of them */
  scopes?: SandboxScope[];
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
