import { CompactEncrypt, compactDecrypt, decodeProtectedHeader } from 'jose';
import { decodeKey, sha256Hex, utf8 } from './encoding';

interface KeyEntry {
  kid: string;
  key: Uint8Array;
}

/**
 * Encrypts secrets (Personio credentials, cached access tokens) as compact JWE with
 * `dir` + `A256GCM`. The header names the key id, so old ciphertexts stay readable
 * while ENCRYPTION_KEYS_PREVIOUS lists the key they were written with.
 */
export interface SecretBox {
  readonly currentKeyId: string;
  encrypt(plaintext: string, purpose: string): Promise<string>;
  decrypt(jwe: string, purpose: string): Promise<string>;
  /** Raw material for derived keys (cursor signatures); never leaves the process. */
  deriveKey(label: string): Promise<CryptoKey>;
  /** The raw bytes of `deriveKey(label)`: the same 256-bit HKDF output, for HMAC outside WebCrypto. */
  deriveBytes(label: string): Promise<Uint8Array>;
}

export class SecretBoxError extends Error {
  override name = 'SecretBoxError';
}

export async function keyIdOf(encodedKey: string): Promise<string> {
  return (await sha256Hex(`roster-kid:${encodedKey}`)).slice(0, 12);
}

export async function createSecretBox(currentKey: string, previousKeys: string[] = []): Promise<SecretBox> {
  const entries: KeyEntry[] = [];
  for (const encoded of [currentKey, ...previousKeys]) {
    const key = decodeKey(encoded);
    if (key.length !== 32) throw new SecretBoxError('encryption keys must be 32 bytes');
    entries.push({ kid: await keyIdOf(encoded), key });
  }
  const current = entries[0]!;
  const byKid = new Map(entries.map((entry) => [entry.kid, entry]));

  return {
    currentKeyId: current.kid,
    async encrypt(plaintext, purpose) {
      // `purpose` goes into the protected header and is checked on decrypt, so a ciphertext
      // written for one use (a cached token) cannot be replayed as another (credentials).
      return new CompactEncrypt(utf8(plaintext))
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: current.kid, cty: purpose })
        .encrypt(current.key);
    },
    async decrypt(jwe, purpose) {
      let kid: string | undefined;
      let cty: string | undefined;
      try {
        ({ kid, cty } = decodeProtectedHeader(jwe));
      } catch {
        throw new SecretBoxError('ciphertext is not a JWE');
      }
      const entry = kid ? byKid.get(kid) : undefined;
      if (!entry) throw new SecretBoxError(`no encryption key with id ${kid ?? '(none)'} is configured`);
      if (cty !== purpose) throw new SecretBoxError('ciphertext was written for another purpose');
      try {
        const { plaintext } = await compactDecrypt(jwe, entry.key);
        return new TextDecoder().decode(plaintext);
      } catch {
        throw new SecretBoxError('ciphertext could not be decrypted');
      }
    },
    async deriveBytes(label) {
      const base = await crypto.subtle.importKey(
        'raw',
        current.key as Uint8Array<ArrayBuffer>,
        'HKDF',
        false,
        ['deriveBits'],
      );
      const bits = await crypto.subtle.deriveBits(
        { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: utf8(`roster:${label}`) },
        base,
        256,
      );
      return new Uint8Array(bits);
    },
    async deriveKey(label) {
      const base = await crypto.subtle.importKey(
        'raw',
        current.key as Uint8Array<ArrayBuffer>,
        'HKDF',
        false,
        ['deriveKey'],
      );
      return crypto.subtle.deriveKey(
        { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: utf8(`roster:${label}`) },
        base,
        { name: 'HMAC', hash: 'SHA-256', length: 256 },
        false,
        ['sign', 'verify'],
      );
    },
  };
}
