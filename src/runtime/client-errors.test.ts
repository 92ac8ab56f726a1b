import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../errors';
import {
  clientErrorAnswer,
  handleClientError,
  rawErrorResponse,
  requestErrorResponse,
} from './client-errors';

function parserError(code: string, reason?: string): NodeJS.ErrnoException & { reason?: string } {
  return Object.assign(new Error(`Parse Error: ${reason ?? code}`), { code, reason });
}

/** A socket as `clientError` hands it over, recording what the handler does with it. */
function fakeSocket(state: { writable?: boolean; headersSent?: boolean } = {}) {
  const socket = {
    writable: state.writable ?? true,
    _httpMessage: state.headersSent === undefined ? null : { headersSent: state.headersSent },
    written: [] as string[],
    destroyed: false,
    end(data: string, callback?: () => void) {
      socket.written.push(data);
      callback?.();
    },
    destroy() {
      socket.destroyed = true;
    },
  };
  return socket;
}

function parseRaw(raw: string) {
  const [head = '', body = ''] = raw.split('\r\n\r\n');
  const [statusLine = '', ...headerLines] = head.split('\r\n');
  const headers = Object.fromEntries(
    headerLines.map((line) => [
      line.slice(0, line.indexOf(':')).toLowerCase(),
      line.slice(line.indexOf(':') + 2),
    ]),
  );
  return { statusLine, headers, body };
}

describe('clientErrorAnswer', () => {
  it.each([
    ['HPE_HEADER_OVERFLOW', 431, 'headers_too_large'],
    ['ERR_HTTP_REQUEST_TIMEOUT', 408, 'request_timeout'],
    ['HPE_CHUNK_EXTENSIONS_OVERFLOW', 413, 'payload_too_large'],
    ['HPE_INVALID_HEADER_TOKEN', 400, 'invalid_request'],
    ['HPE_INVALID_METHOD', 400, 'invalid_request'],
  ])('answers %s with %i %s', (code, status, errorCode) => {
    const answer = clientErrorAnswer(parserError(code));
    expect(answer?.code).toBe(errorCode);
    expect(answer?.status).toBe(status);
    expect(ERROR_CODES[answer!.code].status).toBe(status);
  });

  it('has no answer for a connection the client reset', () => {
    expect(clientErrorAnswer(parserError('ECONNRESET'))).toBeUndefined();
  });

  it("names llhttp's reason but never echoes odd text from the error", () => {
    expect(
      clientErrorAnswer(parserError('HPE_INVALID_HEADER_TOKEN', 'Invalid header value char'))?.message,
    ).toBe('The request is not valid HTTP/1.1: Invalid header value char.');
    expect(
      clientErrorAnswer(parserError('HPE_INVALID_HEADER_TOKEN', 'Bearer sk_test_x\r\nX: y'))?.message,
    ).toBe('The request is not valid HTTP/1.1.');
  });
});

describe('handleClientError', () => {
  it('writes a complete response with the envelope, its length, the request id and connection: close', () => {
    const socket = fakeSocket();
    handleClientError(parserError('HPE_HEADER_OVERFLOW'), socket);
    expect(socket.written).toHaveLength(1);
    const { statusLine, headers, body } = parseRaw(socket.written[0]!);
    expect(statusLine).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(headers['content-type']).toBe('application/json');
    expect(headers.connection).toBe('close');
    expect(Number(headers['content-length'])).toBe(Buffer.byteLength(body));
    const envelope = JSON.parse(body) as { error: { code: string; message: string; request_id: string } };
    expect(envelope.error.code).toBe('headers_too_large');
    expect(envelope.error.request_id).toMatch(/^req_[0-9A-Za-z]{22}$/);
    expect(headers['x-request-id']).toBe(envelope.error.request_id);
    expect(socket.destroyed).toBe(true);
  });

  it('answers a request that timed out with 408', () => {
    const socket = fakeSocket({ headersSent: false });
    handleClientError(parserError('ERR_HTTP_REQUEST_TIMEOUT'), socket);
    expect(parseRaw(socket.written[0]!).statusLine).toBe('HTTP/1.1 408 Request Timeout');
  });

  it('only closes a reset connection, a socket that cannot be written, or one whose response has started', () => {
    for (const [error, socket] of [
      [parserError('ECONNRESET'), fakeSocket()],
      [parserError('HPE_INVALID_METHOD'), fakeSocket({ writable: false })],
      [parserError('HPE_INVALID_METHOD'), fakeSocket({ headersSent: true })],
    ] as const) {
      handleClientError(error, socket);
      expect(socket.written).toEqual([]);
      expect(socket.destroyed).toBe(true);
    }
  });

  it('logs the request id and parser code, never the raw bytes', () => {
    const lines: Record<string, unknown>[] = [];
    const error = Object.assign(parserError('HPE_INVALID_HEADER_TOKEN'), {
      rawPacket: Buffer.from('GET / HTTP/1.1\r\nAuthorization: Bearer sk_test_secret\x01\r\n'),
    });
    handleClientError(error, fakeSocket(), { info: (message, fields) => lines.push({ message, ...fields }) });
    expect(lines).toEqual([
      expect.objectContaining({
        code: 'HPE_INVALID_HEADER_TOKEN',
        status: 400,
        request_id: expect.any(String),
      }),
    ]);
    expect(JSON.stringify(lines)).not.toContain('sk_test_secret');
  });
});

describe('rawErrorResponse', () => {
  it('counts the body in bytes, not characters', () => {
    const raw = rawErrorResponse(
      clientErrorAnswer(parserError('HPE_INVALID_METHOD', 'Invalid method encountered'))!,
      'req_ü',
    );
    const { headers, body } = parseRaw(raw);
    expect(Number(headers['content-length'])).toBe(Buffer.byteLength(body, 'utf8'));
    expect(Number(headers['content-length'])).toBeGreaterThan(body.length);
  });
});

describe('requestErrorResponse', () => {
  it("answers the adapter's refusals with 400 in the envelope", async () => {
    const refused = Object.assign(new Error('Invalid URL'), { name: 'RequestError' });
    const response = requestErrorResponse(refused);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; request_id: string } };
    expect(body.error.code).toBe('invalid_request');
    expect(response.headers.get('x-request-id')).toBe(body.error.request_id);
  });

  it('answers anything else with 500 internal and logs it as an error', async () => {
    const errors: string[] = [];
    const response = requestErrorResponse(new TypeError('boom'), {
      info: () => {},
      error: (message) => errors.push(message),
    });
    expect(response.status).toBe(500);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('internal');
    expect(errors).toHaveLength(1);
  });
});
