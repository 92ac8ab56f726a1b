import type { Hono } from 'hono';
import type { SandboxEnv } from './auth';
import { personioError } from './errors';
import type { EmployeeDirectory } from './seed';

const MAX_WIDTH = 256;

/**
 * `GET /company/employees/{id}/profile-picture/{width}`: a PNG, or 404 when the employee has no
 * picture or the credential may not read `profile_picture` (as the spec states for this endpoint).
 */
export function registerProfilePictureRoute(v1: Hono<SandboxEnv>, directory: EmployeeDirectory): void {
  v1.get('/company/employees/:employee_id/profile-picture/:width', (c) => {
    const rawId = c.req.param('employee_id');
    const index = /^\d+$/.test(rawId) ? directory.indexOfId(Number(rawId)) : undefined;
    const width = Number(c.req.param('width'));
    if (!Number.isInteger(width) || width < 1)
      return personioError(c, 400, 'The width must be a positive integer.');
    if (
      index === undefined ||
      !c.get('canRead')('profile_picture') ||
      !directory.employeeAt(index).profilePicture
    ) {
      return personioError(c, 404, 'Profile picture not found.');
    }
    const side = Math.min(width, MAX_WIDTH);
    // UNCONFIRMED: Personio's caching headers for pictures are undocumented; these let clients revalidate.
    const etag = `"picture-${rawId}-${side}"`;
    const caching = { etag, 'cache-control': 'private, max-age=3600' };
    if (c.req.header('if-none-match') === etag) return new Response(null, { status: 304, headers: caching });
    return new Response(solidPng(side, Number(rawId)), {
      headers: { 'content-type': 'image/png', ...caching },
    });
  });
}

/** A square PNG in one colour derived from `seed`: uncompressed deflate blocks, so no zlib is needed. */
export function solidPng(side: number, seed: number): Uint8Array<ArrayBuffer> {
  const rgb = [(seed * 67) & 0xff, (seed * 131) & 0xff, (seed * 197) & 0xff];
  const row = new Uint8Array(1 + side * 3);
  for (let x = 0; x < side; x++) row.set(rgb, 1 + x * 3);
  const raw = new Uint8Array(row.length * side);
  for (let y = 0; y < side; y++) raw.set(row, y * row.length);

  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, side);
  view.setUint32(4, side);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  return concat([
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlibStored(raw)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

function zlibStored(data: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [new Uint8Array([0x78, 0x01])];
  for (let offset = 0; offset < data.length || offset === 0; offset += 65_535) {
    const block = data.subarray(offset, offset + 65_535);
    const last = offset + 65_535 >= data.length ? 1 : 0;
    parts.push(
      new Uint8Array([
        last,
        block.length & 0xff,
        block.length >> 8,
        ~block.length & 0xff,
        (~block.length >> 8) & 0xff,
      ]),
    );
    parts.push(block);
    if (data.length === 0) break;
  }
  let a = 1;
  let b = 0;
  for (const byte of data) {
    a = (a + byte) % 65_521;
    b = (b + a) % 65_521;
  }
  const adler = new Uint8Array(4);
  new DataView(adler.buffer).setUint32(0, ((b << 16) | a) >>> 0);
  parts.push(adler);
  return concat(parts);
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let index = 0; index < 4; index++) out[4 + index] = type.charCodeAt(index);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

let crcTable: Uint32Array | undefined;

function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of bytes) crc = crcTable[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
