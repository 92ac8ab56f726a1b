import { describe, expect, it } from 'vitest';
import { canonicalJson, IDEMPOTENCY_KEY_PATTERN, requestFingerprint } from './idempotency';

describe('canonicalJson', () => {
  it('sorts keys at every level and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: true, y: null }], c: undefined } })).toBe(
      '{"a":{"d":[1,{"y":null,"z":true}]},"b":1}',
    );
  });

  it('keeps array order and string escapes', () => {
    expect(canonicalJson(['b', 'a', 'quote"'])).toBe('["b","a","quote\\""]');
  });
});

describe('requestFingerprint', () => {
  it('is the same for the same request written differently, and differs when anything differs', async () => {
    const base = await requestFingerprint('POST', '/x', { a: 1, b: [1, 2] });
    expect(await requestFingerprint('post', '/x', { b: [1, 2], a: 1 })).toBe(base);
    expect(await requestFingerprint('POST', '/y', { a: 1, b: [1, 2] })).not.toBe(base);
    expect(await requestFingerprint('PUT', '/x', { a: 1, b: [1, 2] })).not.toBe(base);
    expect(await requestFingerprint('POST', '/x', { a: 1, b: [2, 1] })).not.toBe(base);
    expect(await requestFingerprint('POST', '/x', { a: '1', b: [1, 2] })).not.toBe(base);
  });
});

describe('IDEMPOTENCY_KEY_PATTERN', () => {
  it.each(['0f8fad5b-d9cb-469f-a165-70867728950e', 'order:42:v1', 'x'])('accepts %s', (key) => {
    expect(IDEMPOTENCY_KEY_PATTERN.test(key)).toBe(true);
  });

  it.each(['', 'has space', 'ümlaut', 'k'.repeat(256)])('refuses %j', (key) => {
    expect(IDEMPOTENCY_KEY_PATTERN.test(key)).toBe(false);
  });
});
