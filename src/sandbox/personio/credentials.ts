export interface SandboxCredential {
  clientId: string;
  clientSecret: string;
  /** attribute keys this credential may read (whitelist); undefined = every attribute */
  whitelist?: string[];
}

/** Well-known zero-setup credentials: one sees every attribute, one sees a typical minimal whitelist. */
export const SANDBOX_CREDENTIALS: { full: SandboxCredential; limited: SandboxCredential } = {
  full: { clientId: 'sandbox-full', clientSecret: 'sandbox-secret-full' },
  limited: {
    clientId: 'sandbox-limited',
    clientSecret: 'sandbox-secret-limited',
    whitelist: ['id', 'first_name', 'last_name', 'email', 'status'],
  },
};
