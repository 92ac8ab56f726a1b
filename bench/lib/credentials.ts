import type { SandboxCredential } from '../../src/sandbox/personio';

/** One Personio credential per benchmark linked account (every attribute readable, like `full`). */
export function benchCredentials(count: number): SandboxCredential[] {
  return Array.from({ length: count }, (_, index) => {
    const name = `bench-${String(index + 1).padStart(2, '0')}`;
    return { clientId: name, clientSecret: `${name}-secret` };
  });
}
