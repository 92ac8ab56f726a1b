import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors';
import { ENCRYPTION_KEY, openStorage, type Storage } from '../support/gateway';
import { freePort, type RunningProcess, startProcess } from '../support/processes';
import { type RawAnswer, rawExchange } from '../support/raw-http';

/**
 * Requests that Node's HTTP parser or the Hono adapter refuse before the app runs, sent over raw TCP to
 * the real Node entry (`src/node.ts`): each is answered in the error envelope with a request id.
 */
describe('requests refused below the app (Node entry, raw TCP)', () => {
  let storage: Storage;
  let gateway: RunningProcess;
  let port: number;

  beforeAll(async () => {
    storage = await openStorage('postgres');
    port = await freePort();
    gateway = startProcess('npx', ['tsx', 'src/node.ts'], {
      PORT: String(port),
      DATABASE_URL: storage.databaseUrl!,
      ENCRYPTION_KEY,
      LOG_LEVEL: 'info',
    });
    await gateway.waitFor(/Ready in \d+ ms/, 90_000);
  });

  afterAll(async () => {
    await gateway?.stop();
    await storage?.close();
  });

  function expectEnvelope(answer: RawAnswer, status: number, code: string) {
    expect(answer.status, JSON.stringify(answer)).toBe(status);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(answer.headers.connection).toBe('close');
    expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(answer.body, 'latin1'));
    const envelope = JSON.parse(answer.body) as {
      error: { code: string; message: string; request_id: string };
    };
    expect(envelope.error.code).toBe(code);
    expect(ERROR_CODES[envelope.error.code as keyof typeof ERROR_CODES].status).toBe(status);
    expect(envelope.error.message.length).toBeGreaterThan(0);
    expect(envelope.error.request_id).toMatch(/^req_[0-9A-Za-z]{22}$/);
    expect(answer.headers['x-request-id']).toBe(envelope.error.request_id);
    return envelope;
  }

  it.each([
    ['an asterisk-form target', 'OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'],
    ['an asterisk-form GET', 'GET * HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'],
    ['a control byte in a header value', 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Note: a\x01b\r\n\r\n'],
    ['a control byte in the target', 'GET /he\x7flth HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'],
    ['a bare LF in a header name', 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-\nNote: a\r\n\r\n'],
    ['a request line that is not HTTP', 'HELLO THERE\r\n\r\n'],
    ['a malformed Host header', 'GET /health HTTP/1.1\r\nHost: a b@c\r\n\r\n'],
    ['a backslash in the path', 'GET /unified\\hris HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'],
  ])('answers %s with 400 invalid_request in the envelope', async (_, bytes) => {
    expectEnvelope(await rawExchange(port, bytes), 400, 'invalid_request');
  });

  it('answers oversized headers with 431 headers_too_large in the envelope', async () => {
    const bytes = `GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${'a'.repeat(20_000)}\r\n\r\n`;
    expectEnvelope(await rawExchange(port, bytes), 431, 'headers_too_large');
  });

  it('logs each refusal with its request id at info level, without the bytes sent', async () => {
    const marker = 'sk_test_NotARealKeyButSecretLooking01';
    const envelope = expectEnvelope(
      await rawExchange(
        port,
        `GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${marker}\x01\r\n\r\n`,
      ),
      400,
      'invalid_request',
    );
    const line = await gateway.waitFor(new RegExp(`^.*"request_id":"${envelope.error.request_id}".*$`, 'm'));
    expect(JSON.parse(line[0]).level).toBe('info');
    expect(gateway.output()).not.toContain(marker);
    expect(gateway.output()).not.toMatch(/"level":"error"/);
  });

  it('still serves well-formed requests on the same server', async () => {
    const answer = await rawExchange(
      port,
      'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
    );
    expect(answer.status).toBe(200);
    expect(answer.headers['x-request-id']).toMatch(/^req_/);
  });
});
