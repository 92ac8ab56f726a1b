import { sha256Hex } from '../crypto/encoding';

/**
 * The token-cache (and rate-budget) key of a linked account's current credentials. It names the
 * credential version too, so new credentials (a reconnect) never reuse the token of the old ones.
 */
export async function linkedAccountTokenKey(linkedAccount: {
  id: string;
  credentials: string;
}): Promise<string> {
  return `${linkedAccount.id}:${(await sha256Hex(linkedAccount.credentials)).slice(0, 16)}`;
}
