import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { base64url } from '../../crypto/encoding';
import { randomBytes } from '../../crypto/random';
import { createSecretBox } from '../../crypto/secret-box';
import { csrfToken, isSameOriginPost, verifyCsrfToken } from './security';

const newBox = () => createSecretBox(base64url.encode(randomBytes(32)));

describe('link page CSRF tokens', () => {
  it('accept only the step and link token they were made for', async () => {
    const box = await newBox();
    const binding = { linkTokenId: 'lt_a', step: 'coverage', nonce: 'n1' };
    const token = await csrfToken(box, binding);
    expect(await verifyCsrfToken(box, binding, token)).toBe(true);
    expect(await verifyCsrfToken(box, { ...binding, nonce: 'n2' }, token)).toBe(false);
    expect(await verifyCsrfToken(box, { ...binding, step: 'credentials' }, token)).toBe(false);
    expect(await verifyCsrfToken(box, { ...binding, linkTokenId: 'lt_b' }, token)).toBe(false);
    expect(await verifyCsrfToken(await newBox(), binding, token)).toBe(false);
    for (const presented of [undefined, '', 'not base64!', `${token}AA`, 'x'.repeat(200), 42]) {
      expect(await verifyCsrfToken(box, binding, presented)).toBe(false);
    }
  });
});

describe('isSameOriginPost', () => {
  const app = new Hono();
  app.post('/check', (c) => c.json({ ok: isSameOriginPost(c, 'https://roster.example.com/base') }));
  const check = async (headers: Record<string, string>, url = 'https://roster.example.com/check') =>
    ((await (await app.request(url, { method: 'POST', headers })).json()) as { ok: boolean }).ok;

  it('accepts the gateway’s own origin and clients that send no browser headers', async () => {
    expect(await check({ origin: 'https://roster.example.com', 'sec-fetch-site': 'same-origin' })).toBe(true);
    expect(await check({})).toBe(true);
    // Behind a proxy the request URL's own origin counts too.
    expect(await check({ origin: 'http://10.0.0.5:8080' }, 'http://10.0.0.5:8080/check')).toBe(true);
  });

  it('refuses other sites, opaque origins and cross-site fetch metadata', async () => {
    expect(await check({ origin: 'https://evil.example' })).toBe(false);
    expect(await check({ origin: 'null' })).toBe(false);
    expect(await check({ 'sec-fetch-site': 'cross-site' })).toBe(false);
    expect(await check({ 'sec-fetch-site': 'same-site', origin: 'https://roster.example.com' })).toBe(false);
  });
});
