/** Signs with one fixed key. */
export type HmacSha256 = (data: Uint8Array) => Uint8Array | Promise<Uint8Array>;

type NodeCrypto = {
  createHmac(algorithm: 'sha256', key: Uint8Array): { update(data: Uint8Array): { digest(): Uint8Array } };
};

/** `node:crypto` where the runtime offers it without an import (Node ≥ 20.16), so this module stays runtime-neutral. */
function nodeCrypto(): NodeCrypto | undefined {
  const process = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return process?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined;
}

/**
 * HMAC-SHA-256 with `key`: synchronous `node:crypto` on Node (a WebCrypto call is a thread-pool job
 * and a promise, ten times the CPU for a short message), WebCrypto anywhere else. Both give the same MAC.
 */
export async function hmacSha256(
  key: Uint8Array,
  options: { webCryptoOnly?: boolean } = {},
): Promise<HmacSha256> {
  const node = options.webCryptoOnly ? undefined : nodeCrypto();
  if (node) {
    const secret = key.slice();
    return (data) => {
      const digest = node.createHmac('sha256', secret).update(data).digest();
      return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
    };
  }
  const cryptoKey = await crypto.subtle.importKey(
    'raw',
    key as Uint8Array<ArrayBuffer>,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return async (data) =>
    new Uint8Array(await crypto.subtle.sign('HMAC', cryptoKey, data as Uint8Array<ArrayBuffer>));
}
