import { describe, expect, it } from 'vitest';
import { base64url } from '../crypto/encoding';
import { hmacSha256 } from '../crypto/hmac';
import { randomBytes } from '../crypto/random';
import { createSecretBox, type SecretBox } from '../crypto/secret-box';
import { ApiError } from '../errors';
import { CursorCodec, queryBinding } from './cursor';

async function codec(box?: SecretBox, options: { webCryptoOnly?: boolean } = {}) {
  const secretBox = box ?? (await createSecretBox(base64url.encode(randomBytes(32))));
  return new CursorCodec(await hmacSha256(await secretBox.deriveBytes('cursor'), options));
}

const binding = queryBinding('employees', 'la_1', { email: undefined, employment_status: 'active' });

describe('CursorCodec', () => {
  it('signs the same on node:crypto and WebCrypto, with the key deriveKey gives', async () => {
    const box = await createSecretBox(base64url.encode(randomBytes(32)));
    const onNode = await codec(box);
    const onWebCrypto = await codec(box, { webCryptoOnly: true });
    const cursor = await onNode.encode({ offset: 300 }, binding);
    expect(await onWebCrypto.encode({ offset: 300 }, binding)).toBe(cursor);
    expect(await onWebCrypto.decode(cursor, binding)).toEqual({ offset: 300 });
    // Cursors signed before with the WebCrypto key from deriveKey stay valid.
    const payload = new TextEncoder().encode('payload');
    const viaKey = new Uint8Array(await crypto.subtle.sign('HMAC', await box.deriveKey('cursor'), payload));
    expect(await (await hmacSha256(await box.deriveBytes('cursor')))(payload)).toEqual(viaKey);
  });

  it('round-trips the position for the same query', async () => {
    const cursors = await codec();
    const cursor = await cursors.encode({ offset: 300 }, binding);
    expect(await cursors.decode(cursor, binding)).toEqual({ offset: 300 });
  });

  it('binds the cursor to filters regardless of their order, and to the linked account', async () => {
    const cursors = await codec();
    const cursor = await cursors.encode({ offset: 1 }, queryBinding('employees', 'la_1', { a: '1', b: '2' }));
    expect(await cursors.decode(cursor, queryBinding('employees', 'la_1', { b: '2', a: '1' }))).toEqual({
      offset: 1,
    });
    await expect(
      cursors.decode(cursor, queryBinding('employees', 'la_2', { a: '1', b: '2' })),
    ).rejects.toThrow(ApiError);
    await expect(cursors.decode(cursor, queryBinding('employees', 'la_1', { a: '1' }))).rejects.toThrow(
      /other filters/,
    );
  });

  it('rejects a changed payload, a changed signature, and a cursor of another key', async () => {
    const cursors = await codec();
    const cursor = await cursors.encode({ offset: 100 }, binding);
    const [payload, signature] = cursor.split('.') as [string, string];
    const altered = base64url.encode(
      new TextEncoder().encode(new TextDecoder().decode(base64url.decode(payload)).replace('100', '900')),
    );
    await expect(cursors.decode(`${altered}.${signature}`, binding)).rejects.toThrow(/altered/);
    await expect(
      cursors.decode(`${payload}.${signature.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))}`, binding),
    ).rejects.toThrow(/altered/);
    await expect((await codec()).decode(cursor, binding)).rejects.toThrow(/altered/);
    await expect(cursors.decode('', binding)).rejects.toThrow(ApiError);
    await expect(cursors.decode('a.b.c', binding)).rejects.toThrow(ApiError);
  });
});
