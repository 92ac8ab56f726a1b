import { base64url } from 'jose';

const encoder = new TextEncoder();

export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text);
}

export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  return Array.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes), (byte) =>
    byte.toString(16).padStart(2, '0'),
  ).join('');
}

export async function sha256Hex(text: string): Promise<string> {
  return toHex(await crypto.subtle.digest('SHA-256', utf8(text)));
}

/** Accepts base64url or standard base64 (what `openssl rand -base64 32` prints). */
export function decodeKey(encoded: string): Uint8Array {
  return base64url.decode(encoded.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''));
}

export { base64url };
