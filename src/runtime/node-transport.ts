import { isAscii } from 'node:buffer';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate } from 'node:zlib';
import { Agent, type Dispatcher, errors } from 'undici';
import {
  type HeaderPairs,
  type HttpTransport,
  type OutboundRequest,
  TransportError,
  type UpstreamResponse,
} from '../providers/http';

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
      // undici takes a flat name/value list as it is.
      const headers: string[] = [];
      for (const [name, value] of request.headers) headers.push(name, value);
      const { body } = request;
      const send = () =>
        agent.request({
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
      let answer: Dispatcher.ResponseData;
      try {
        answer = await send();
      } catch (error) {
        if (!resentOnReset(request, error)) throw transportError(error);
        // undici drops a connection that failed, so this attempt opens a fresh one or takes another idle one.
        try {
          answer = await send();
        } catch (again) {
          throw transportError(again);
        }
      }
      return new NodeResponse(answer);
    },
    close: () => agent.close(),
  };
}

class NodeResponse implements UpstreamResponse {
  readonly status: number;
  readonly statusText = '';
  readonly length: number | null;
  private readonly body: Dispatcher.ResponseData['body'];
  /** undici's header object (lower-case names, repeated headers as arrays). */
  private readonly raw: Dispatcher.ResponseData['headers'];
  private built: Headers | undefined;

  constructor(answer: Dispatcher.ResponseData) {
    this.status = answer.statusCode;
    this.body = answer.body;
    this.raw = answer.headers;
    const declared = answer.headers['content-length'];
    this.length = typeof declared === 'string' && /^\d+$/.test(declared) ? Number(declared) : null;
  }

  /** Built on first use: the proxy reads `headerPairs()` and never needs it. */
  get headers(): Headers {
    if (this.built) return this.built;
    const headers = new Headers();
    for (const [name, value] of this.headerPairs()) headers.append(name, value);
    this.built = headers;
    return headers;
  }

  headerPairs(): HeaderPairs {
    const pairs: HeaderPairs = [];
    for (const name in this.raw) {
      const value = this.raw[name];
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const item of value) pairs.push([name, item]);
      else pairs.push([name, value]);
    }
    return pairs;
  }

  stream(): ReadableStream<Uint8Array> | null {
    return Readable.toWeb(this.body) as unknown as ReadableStream<Uint8Array>;
  }

  /**
   * The body whole. Read chunk by chunk rather than with undici's `body.arrayBuffer()`, which cost a proxy
   * 0.06–0.08 ms more CPU per 44 kB answer (`npx tsx bench/body-reads.ts`). A view: it may share its memory.
   */
  async bytes(): Promise<Uint8Array> {
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of this.body as AsyncIterable<Buffer>) {
        chunks.push(chunk);
        size += chunk.byteLength;
      }
    } catch (error) {
      throw transportError(error);
    }
    const whole = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
    return new Uint8Array(whole.buffer, whole.byteOffset, whole.byteLength);
  }

  async text(): Promise<string> {
    const declared = this.raw['content-encoding'] ?? '';
    const encodings = (Array.isArray(declared) ? declared.join(',') : declared)
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

/** Methods that HTTP defines as idempotent: sending one twice has the effect of sending it once. */
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/** How a connection fails when the other side closed or reset it (an idle keep-alive connection, typically). */
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

/**
 * Whether a request that failed before any answer arrived is sent once more. A server may close an idle
 * keep-alive connection just as a request goes out on it: the request fails with a reset although the
 * server never saw it, which is the transport's problem and not the caller's. Only idempotent methods are
 * sent again, and only with a body that can be sent twice (none, or a buffer): undici does not say
 * whether any byte of a request reached the server, and a POST that did may have been acted on — the
 * client's keyed writes look the outcome up instead.
 */
function resentOnReset(request: OutboundRequest, error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    typeof code === 'string' &&
    RESET_CODES.has(code) &&
    IDEMPOTENT_METHODS.has(request.method.toUpperCase()) &&
    (request.body === null || request.body instanceof ArrayBuffer)
  );
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
