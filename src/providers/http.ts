import type { FetchLike } from './types';

/**
 * Headers as name/value pairs (names lower-case; a repeated header repeats): what the proxy forwards and
 * returns on its hot path, where building and re-reading WHATWG `Headers` (each name and value checked)
 * cost more than the copy itself. Also a valid `HeadersInit`.
 */
export type HeaderPairs = [string, string][];

/** One HTTP request to a provider, as the Personio client sends it. */
export interface OutboundRequest {
  method: string;
  url: URL;
  headers: Headers | HeaderPairs;
  /** `null` for no body; a buffer can be re-sent on retry, a stream cannot. */
  body: ArrayBuffer | ReadableStream<Uint8Array> | null;
  /** Gives up when the answer's head, or the next part of its body, takes longer than this. */
  timeoutMs: number;
}

/**
 * A provider's answer. `headers` describe the body as delivered: a transport that decodes the
 * content (fetch does) drops `Content-Encoding` and `Content-Length`; one that does not keeps them.
 * Redirects are never followed: a 3xx is an answer like any other.
 */
export interface UpstreamResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Headers;
  /** `Content-Length` of the body as delivered, when the provider declared it and it still holds. */
  readonly length: number | null;
  /** The same headers as `headers`, as pairs (names lower-case), read without building a `Headers`. */
  headerPairs(): Iterable<[string, string]>;
  /** The body as delivered, as a web stream; `null` when there is none. Use once. */
  stream(): ReadableStream<Uint8Array> | null;
  /** The body as delivered, whole. */
  bytes(): Promise<Uint8Array>;
  /** The body's content (decoded, whatever the transport delivers), as UTF-8 text. */
  text(): Promise<string>;
  /** Drops the body unread, freeing the connection. */
  discard(): Promise<void>;
}

/** Sends provider requests: `fetch` anywhere; on Node, a faster client on Node streams. */
export interface HttpTransport {
  send(request: OutboundRequest): Promise<UpstreamResponse>;
}

/** The request never got an answer (or its body stopped arriving): timed out, or the connection failed. */
export class TransportError extends Error {
  constructor(
    readonly kind: 'timeout' | 'network',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransportError';
  }
}

/** `fetch` decodes the content, so what described the encoded body goes. */
const DECODED_AWAY = ['content-encoding', 'content-length'];

/** The runtime-neutral transport: WHATWG `fetch` (Workers, tests with an in-process simulator). */
export function fetchTransport(fetch: FetchLike): HttpTransport {
  return {
    async send(request) {
      let response: Response;
      try {
        response = await fetch(
          new Request(request.url, {
            method: request.method,
            headers: request.headers,
            body: request.body,
            // A redirect is the provider's answer to pass on, never a reason to send the request elsewhere.
            redirect: 'manual',
            signal: AbortSignal.timeout(request.timeoutMs),
            // Streaming request bodies need half-duplex fetch (Node's undici).
            ...(request.body instanceof ReadableStream ? { duplex: 'half' } : {}),
          } as RequestInit),
        );
      } catch (error) {
        throw fetchError(error);
      }
      return new FetchResponse(response);
    },
  };
}

class FetchResponse implements UpstreamResponse {
  readonly headers: Headers;
  readonly length: number | null;

  constructor(private readonly response: Response) {
    const encoded = response.headers.has('content-encoding');
    const declared = response.headers.get('content-length');
    this.length = !encoded && declared !== null && /^\d+$/.test(declared) ? Number(declared) : null;
    this.headers = new Headers(response.headers);
    for (const name of DECODED_AWAY) this.headers.delete(name);
  }

  get status() {
    return this.response.status;
  }

  get statusText() {
    return this.response.statusText;
  }

  headerPairs() {
    return this.headers;
  }

  stream() {
    return this.response.body;
  }

  async bytes() {
    try {
      return new Uint8Array(await this.response.arrayBuffer());
    } catch (error) {
      throw fetchError(error);
    }
  }

  async text() {
    try {
      return await this.response.text();
    } catch (error) {
      throw fetchError(error);
    }
  }

  async discard() {
    await this.response.body?.cancel().catch(() => {});
  }
}

function fetchError(error: unknown): TransportError {
  const timedOut =
    error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError');
  return timedOut
    ? new TransportError('timeout', 'the provider did not answer in time', { cause: error })
    : new TransportError('network', error instanceof Error ? error.message : String(error), { cause: error });
}
