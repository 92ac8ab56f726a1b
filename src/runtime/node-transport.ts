import { isAscii } from 'node:buffer';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate } from 'node:zlib';
import { Agent, type Dispatcher, errors } from 'undici';
import { type HttpTransport, TransportError, type UpstreamResponse } from '../providers/http';

const decoders: Record<string, (input: Buffer) => Promise<Buffer>> = {
  gzip: promisify(gunzip),
  'x-gzip': promisify(gunzip),
  deflate: promisify(inflate),
  br: promisify(brotliDecompress),
};

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * The Node transport: undici's dispatcher API over keep-alive connections, bodies as Node streams.
 * It skips what WHATWG `fetch` adds per call (Request and Response objects, the fetch algorithm, web
 * streams, an `AbortSignal` timer) and does not decode the content: the proxy passes Personio's
 * bytes on with their `Content-Encoding`; `text()` decodes gzip, deflate and br for the client.
 */
export function nodeTransport(
  options: { connectTimeoutMs?: number; connections?: number } = {},
): HttpTransport & {
  close(): Promise<void>;
} {
  const agent = new Agent({
    // Per Personio origin; more requests than this wait in undici's queue. undici's pool never drops a
    // connection object once made, so without a cap one burst would leave its size behind for good.
    connections: options.connections ?? 64,
    keepAliveTimeout: 10_000,
    connect: { timeout: options.connectTimeoutMs ?? 10_000 },
  });
  return {
    async send(request) {
      const headers: string[] = [];
      for (const [name, value] of request.headers) headers.push(name, value);
      const { body } = request;
      let answer: Dispatcher.ResponseData;
      try {
        answer = await agent.request({
          origin: request.url.origin,
          path: `${request.url.pathname}${request.url.search}`,
          method: request.method as Dispatcher.HttpMethod,
          headers,
          body:
            body === null
              ? null
              : body instanceof ArrayBuffer
                ? new Uint8Array(body)
                : Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>),
          headersTimeout: request.timeoutMs,
          bodyTimeout: request.timeoutMs,
        });
      } catch (error) {
        throw transportError(error);
      }
      return new NodeResponse(answer);
    },
    close: () => agent.close(),
  };
}

class NodeResponse implements UpstreamResponse {
  readonly status: number;
  readonly statusText = '';
  readonly headers = new Headers();
  readonly length: number | null;
  private readonly body: Dispatcher.ResponseData['body'];

  constructor(answer: Dispatcher.ResponseData) {
    this.status = answer.statusCode;
    this.body = answer.body;
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const item of value) this.headers.append(name, item);
      else this.headers.append(name, value);
    }
    const declared = answer.headers['content-length'];
    this.length = typeof declared === 'string' && /^\d+$/.test(declared) ? Number(declared) : null;
  }

  stream(): ReadableStream<Uint8Array> | null {
    return Readable.toWeb(this.body) as unknown as ReadableStream<Uint8Array>;
  }

  async bytes(): Promise<Uint8Array> {
    try {
      return new Uint8Array(await this.body.arrayBuffer());
    } catch (error) {
      throw transportError(error);
    }
  }

  async text(): Promise<string> {
    const encodings = (this.headers.get('content-encoding') ?? '')
      .split(',')
      .map((coding) => coding.trim().toLowerCase())
      .filter((coding) => coding !== '' && coding !== 'identity');
    const bytes = await this.bytes();
    // A view, not a copy: the page is read once.
    let content: Buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (encodings.length === 0) return decodeUtf8(content);
    // Codings are listed in the order they were applied: undo them from the last.
    for (const coding of encodings.reverse()) {
      const decode = decoders[coding];
      if (!decode)
        throw new TransportError('network', `unsupported content encoding ${JSON.stringify(coding)}`);
      try {
        content = await decode(content);
      } catch (error) {
        throw new TransportError('network', `the ${coding} body could not be decoded`, { cause: error });
      }
    }
    return decodeUtf8(content);
  }

  async discard(): Promise<void> {
    await this.body.dump().catch(() => {});
  }
}

const DECODE_BLOCK_BYTES = 1024;

/**
 * `buffer.toString('utf8')`, faster for JSON that is mostly ASCII with a few other characters (names):
 * V8 decodes a buffer slowly once it holds any non-ASCII byte, so blocks that are pure ASCII are read
 * as Latin-1 (the same characters) and only the others as UTF-8. Blocks end on character boundaries.
 */
export function decodeUtf8(buffer: Buffer): string {
  if (isAscii(buffer)) return buffer.toString('latin1');
  if (buffer.length <= DECODE_BLOCK_BYTES) return buffer.toString('utf8');
  let text = '';
  let start = 0;
  while (start < buffer.length) {
    let end = Math.min(buffer.length, start + DECODE_BLOCK_BYTES);
    // Back up over continuation bytes (10xxxxxx) so no character is split between blocks.
    let boundary = end;
    while (boundary < buffer.length && boundary > start && (buffer[boundary]! & 0xc0) === 0x80) boundary--;
    if (boundary > start) end = boundary;
    text += buffer.toString(isAscii(buffer.subarray(start, end)) ? 'latin1' : 'utf8', start, end);
    start = end;
  }
  return text;
}

function transportError(error: unknown): TransportError {
  if (error instanceof TransportError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && TIMEOUT_CODES.has(code)) {
    return new TransportError('timeout', 'the provider did not answer in time', { cause: error });
  }
  if (error instanceof errors.RequestAbortedError) {
    return new TransportError('network', 'the request was aborted', { cause: error });
  }
  return new TransportError('network', error instanceof Error ? error.message : String(error), {
    cause: error,
  });
}
