import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { newId } from '../crypto/random';
import { ApiError, errorBody } from '../errors';
import type { Logger } from '../lib/logger';

/**
 * Requests refused before the app sees them: by Node's HTTP parser (`clientError`: control bytes,
 * oversized headers, a request that never completes) or by the Hono adapter (a target that is not a path,
 * such as `OPTIONS *`, or a bad Host). They are answered in the API's error envelope with a request id,
 * like every other error, instead of Node's bare status line.
 */

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  431: 'Request Header Fields Too Large',
};

/** The error a parser failure is answered with; undefined when nobody is left to answer (a reset). */
export function clientErrorAnswer(error: NodeJS.ErrnoException & { reason?: unknown }): ApiError | undefined {
  switch (error.code) {
    case 'ECONNRESET':
      return undefined;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new ApiError('request_timeout', 'The request did not arrive completely in time.');
    case 'HPE_HEADER_OVERFLOW':
      return new ApiError('headers_too_large', 'The request headers are too large.');
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return new ApiError('payload_too_large', 'The chunk extensions of the request body are too large.');
    default: {
      // llhttp's reason is a fixed phrase ("Invalid header value char"); the raw bytes are never echoed.
      const reason =
        typeof error.reason === 'string' && /^[\x20-\x7e]{1,100}$/.test(error.reason) ? error.reason : '';
      return new ApiError(
        'invalid_request',
        `The request is not valid HTTP/1.1${reason ? `: ${reason}` : ''}.`,
      );
    }
  }
}

/** A complete HTTP/1.1 response carrying the error envelope, for writing straight to a socket. */
export function rawErrorResponse(apiError: ApiError, requestId: string): string {
  const body = JSON.stringify(errorBody(apiError, requestId));
  return [
    `HTTP/1.1 ${apiError.status} ${REASONS[apiError.status] ?? 'Error'}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    `X-Request-Id: ${requestId}`,
    'X-Roster-Source: gateway',
    '',
    body,
  ].join('\r\n');
}

interface ClientSocket {
  writable: boolean;
  /** The response Node is writing on this connection, if any (not a public field, read defensively). */
  _httpMessage?: { headersSent?: boolean } | null;
  end(data: string, callback?: () => void): unknown;
  destroy(error?: Error): unknown;
}

/**
 * `clientError` listener. Answers in the envelope when the socket can still take a response and none has
 * started on it; otherwise (a reset, a half-written response) only closes the connection, as Node would.
 */
export function handleClientError(
  error: NodeJS.ErrnoException,
  socket: ClientSocket,
  logger?: Pick<Logger, 'info'>,
): void {
  const apiError = clientErrorAnswer(error);
  if (!apiError || !socket.writable || socket._httpMessage?.headersSent) {
    socket.destroy();
    return;
  }
  const requestId = newId('req');
  logger?.info('request refused by the HTTP parser', {
    request_id: requestId,
    status: apiError.status,
    code: error.code,
  });
  socket.end(rawErrorResponse(apiError, requestId), () => socket.destroy());
}

/**
 * The Hono adapter's `errorHandler`: it is called when the adapter cannot build a Request (the target is
 * not a path, the Host header is malformed). Anything else reaching it would be a gateway bug.
 */
export function requestErrorResponse(error: unknown, logger?: Pick<Logger, 'info' | 'error'>): Response {
  const requestId = newId('req');
  const refused = error instanceof Error && error.name === 'RequestError';
  const apiError = refused
    ? new ApiError('invalid_request', `The request target or Host header is not valid (${error.message}).`)
    : new ApiError('internal', 'An unexpected error occurred. Quote the request id when reporting it.');
  if (refused) logger?.info('request refused by the HTTP adapter', { request_id: requestId, status: 400 });
  else logger?.error('request could not be handled', { request_id: requestId });
  return new Response(JSON.stringify(errorBody(apiError, requestId)), {
    status: apiError.status,
    headers: {
      'Content-Type': 'application/json',
      // What the client sent could not be read as a request: do not read another from this connection.
      Connection: 'close',
      'X-Request-Id': requestId,
      'X-Roster-Source': 'gateway',
    },
  });
}

/** Answers the parser's refusals on this server in the envelope. */
export function answerClientErrorsInEnvelope(
  server: Pick<Server, 'on'>,
  logger?: Pick<Logger, 'info'>,
): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) =>
    handleClientError(error, socket as unknown as ClientSocket, logger),
  );
}
