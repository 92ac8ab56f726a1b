import { base64url, utf8 } from '../crypto/encoding';
import type { HmacSha256 } from '../crypto/hmac';
import { ApiError } from '../errors';
import { TtlCache } from './ttl-cache';

const SIGNATURE_BYTES = 16;
/** A walk repeats one binding on every page; its digest is kept instead of hashed again. */
const bindingDigests = new TtlCache<string, string>({ ttlMs: 10 * 60_000, maxEntries: 10_000 });

/**
 * Opaque pagination cursors: the upstream position plus a digest of the query they belong to,
 * signed with a key derived from the encryption key. A cursor that was altered, or that is
 * replayed with other filters or another linked account, is refused with 400.
 */
export class CursorCodec {
  /** `mac`: HMAC-SHA-256 with the cursor key (`hmacSha256(await secretBox.deriveBytes('cursor'))`). */
  constructor(private readonly mac: HmacSha256) {}

  async encode<State extends object>(state: State, binding: string): Promise<string> {
    const payload = base64url.encode(
      utf8(JSON.stringify({ v: 1, b: await bindingDigest(binding), s: state })),
    );
    return `${payload}.${await this.sign(payload)}`;
  }

  /** A cursor of a `seq`-ordered list (`{ seq }`): the position, or `null` without a cursor. */
  async decodeSeq(cursor: string | undefined, binding: string): Promise<number | null> {
    if (!cursor) return null;
    const seq = ((await this.decode(cursor, binding)) as { seq?: unknown }).seq;
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq)) {
      throw new ApiError('invalid_request', 'The cursor is not valid for this list.');
    }
    return seq;
  }

  async decode(cursor: string, binding: string): Promise<unknown> {
    const [payload, signature, ...rest] = cursor.split('.');
    if (!payload || !signature || rest.length > 0 || !(await this.verify(payload, signature))) {
      throw invalidCursor('The cursor is not valid: it was altered or not issued by this gateway.');
    }
    let envelope: { v?: unknown; b?: unknown; s?: unknown };
    try {
      envelope = JSON.parse(new TextDecoder().decode(base64url.decode(payload)));
    } catch {
      throw invalidCursor('The cursor is not valid.');
    }
    if (envelope.v !== 1 || typeof envelope.s !== 'object' || envelope.s === null) {
      throw invalidCursor('The cursor is not valid.');
    }
    if (envelope.b !== (await bindingDigest(binding))) {
      throw invalidCursor(
        'The cursor was issued for other filters or another linked account; repeat the original query parameters with it, or start without a cursor.',
      );
    }
    return envelope.s;
  }

  private async sign(payload: string): Promise<string> {
    const mac = await this.mac(utf8(payload));
    return base64url.encode(mac.slice(0, SIGNATURE_BYTES));
  }

  private async verify(payload: string, signature: string): Promise<boolean> {
    // Comparing recomputed MAC bytes in constant time; a truncated HMAC-SHA256 of 128 bits is ample here.
    let given: Uint8Array;
    try {
      given = base64url.decode(signature);
    } catch {
      return false;
    }
    if (given.length !== SIGNATURE_BYTES) return false;
    const expected = (await this.mac(utf8(payload))).slice(0, SIGNATURE_BYTES);
    let difference = 0;
    for (let index = 0; index < SIGNATURE_BYTES; index++) difference |= expected[index]! ^ given[index]!;
    return difference === 0;
  }
}

function invalidCursor(message: string): ApiError {
  return new ApiError('invalid_request', message, { details: [{ field: 'cursor', message }] });
}

async function bindingDigest(binding: string): Promise<string> {
  const known = bindingDigests.get(binding);
  if (known) return known;
  const digest = base64url.encode(
    new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(binding))).slice(0, 12),
  );
  bindingDigests.set(binding, digest);
  return digest;
}

/** A stable string for a query: the same filters in any order give the same binding. */
export function queryBinding(
  resource: string,
  linkedAccountId: string,
  filters: Record<string, unknown>,
): string {
  const canonical = Object.keys(filters)
    .sort()
    .filter((key) => filters[key] !== undefined && filters[key] !== null)
    .map((key) => [key, filters[key]]);
  return JSON.stringify([resource, linkedAccountId, canonical]);
}
