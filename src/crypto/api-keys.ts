import { sha256Hex } from './encoding';
import { randomBase62 } from './random';

export type EnvironmentMode = 'test' | 'live';

const API_KEY_PATTERN = /^sk_(test|live)_[0-9A-Za-z]{32}$/;

/** The part of a key that is stored and shown again (`sk_test_AbCd…`), enough to recognise it. */
export const API_KEY_PREFIX_LENGTH = 12;

export function generateApiKey(mode: EnvironmentMode): { key: string; prefix: string } {
  const key = `sk_${mode}_${randomBase62(32)}`;
  return { key, prefix: key.slice(0, API_KEY_PREFIX_LENGTH) };
}

export function isWellFormedApiKey(candidate: string): boolean {
  return API_KEY_PATTERN.test(candidate);
}

/**
 * API keys carry 190 bits of randomness, so a plain SHA-256 is a sound one-way hash
 * (a slow password hash would add latency to every request without adding safety).
 */
export function hashApiKey(key: string): Promise<string> {
  return sha256Hex(key);
}
