import { describe, expect, it } from 'vitest';
import { base64url } from './encoding';
import { randomBytes } from './random';
import { createSecretBox } from './secret-box';

const newKey = () => base64url.encode(randomBytes(32));

describe('SecretBox', () => {
  it('encrypts to a dir/A256GCM JWE that names its key and does not contain the plaintext', async () => {
    const box = await createSecretBox(newKey());
    const sealed = await box.encrypt('{"client_secret":"papi-very-secret"}', 'personio-credentials');
    expect(sealed.split('.')).toHaveLength(5);
    expect(sealed).not.toContain('very-secret');
    const header = JSON.parse(new TextDecoder().decode(base64url.decode(sealed.split('.')[0]!)));
    expect(header).toEqual({
      alg: 'dir',
      enc: 'A256GCM',
      kid: box.currentKeyId,
      cty: 'personio-credentials',
    });
    expect(await box.decrypt(sealed, 'personio-credentials')).toBe('{"client_secret":"papi-very-secret"}');
  });

  it('reads ciphertexts of a previous key after rotation, and refuses unknown keys', async () => {
    const oldKey = newKey();
    const before = await createSecretBox(oldKey);
    const sealed = await before.encrypt('secret', 'p');
    const rotated = await createSecretBox(newKey(), [oldKey]);
    expect(await rotated.decrypt(sealed, 'p')).toBe('secret');
    expect(rotated.currentKeyId).not.toBe(before.currentKeyId);
    const stranger = await createSecretBox(newKey());
    await expect(stranger.decrypt(sealed, 'p')).rejects.toThrow(/no encryption key/);
  });

  it('refuses a ciphertext written for another purpose', async () => {
    const box = await createSecretBox(newKey());
    const token = await box.encrypt('token', 'personio-token');
    await expect(box.decrypt(token, 'personio-credentials')).rejects.toThrow(/another purpose/);
  });

  it('refuses keys that are not 32 bytes', async () => {
    await expect(createSecretBox(base64url.encode(randomBytes(16)))).rejects.toThrow(/32 bytes/);
  });
});
