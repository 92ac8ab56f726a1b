import { createHash } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { createApiKey } from '../../src/db/queries/api-keys';
import { createEnvironment } from '../../src/db/queries/environments';
import { createLinkedAccount } from '../../src/db/queries/linked-accounts';
import { encryptCredentials } from '../../src/providers/factory';
import { serveApp } from '../../src/runtime/node-server';
import { nodeTransport } from '../../src/runtime/node-transport';
import { openStorage, type Storage, startGateway } from '../support/gateway';
import { type LoopbackServer, type RecordedRequest, recordingServer } from '../support/http-servers';

/**
 * The proxy as the Node entry runs it: the gateway's own HTTP server, the undici transport, a real socket
 * on both sides. Response headers reach the caller as one plain object and bodies as Personio sends them.
 */
describe('proxy on the Node server: headers and bodies over real sockets', () => {
  let storage: Storage;
  let upstream: LoopbackServer & { requests: RecordedRequest[] };
  let gateway: { port: number; close(): Promise<void> };
  let transport: ReturnType<typeof nodeTransport>;
  let tenant: { apiKey: string; linkedAccountId: string };
  /** Resolved by the test once the caller has the first part of the streamed body. */
  let releaseRest: () => void = () => {};
  const STREAM_CHUNK = Buffer.alloc(256 * 1024, 'a');
  const STREAM_CHUNKS = 12;

  beforeAll(async () => {
    storage = await openStorage('pglite');
    upstream = await recordingServer((request, response) => {
      const path = request.target.split('?')[0];
      if (path === '/v1/auth') {
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ success: true, data: { token: 'papi-node', expires_in: 86400 } }));
        return;
      }
      if (path === '/v1/company/headers') {
        const body = JSON.stringify({ success: true, data: [] });
        // writeHead with a raw list: repeated names, a hop-by-hop header named by Connection, secrets.
        response.writeHead(200, [
          ['Content-Type', 'application/json'],
          ['Content-Length', String(Buffer.byteLength(body))],
          ['Connection', 'keep-alive, X-Hop'],
          ['X-Hop', 'dropped'],
          ['Keep-Alive', 'timeout=77'],
          ['Authorization', 'Bearer papi-node'],
          ['Set-Cookie', 'a=1'],
          ['Set-Cookie', 'b=2'],
          ['X-Multi', 'one'],
          ['X-Multi', 'two'],
          ['X-Request-Id', 'upstream-id'],
          ['X-Upstream', 'yes'],
        ]);
        response.end(body);
        return;
      }
      if (path === '/v1/company/stream') {
        // No Content-Length: the proxy must stream it. The rest only follows once the caller has the start.
        response.writeHead(200, {
          'content-type': 'application/octet-stream',
          'transfer-encoding': 'chunked',
        });
        response.write(STREAM_CHUNK);
        new Promise<void>((resolve) => {
          releaseRest = resolve;
        }).then(async () => {
          for (let index = 1; index < STREAM_CHUNKS; index++) {
            if (!response.write(STREAM_CHUNK))
              await new Promise((drained) => response.once('drain', drained));
          }
          response.end();
        });
        return;
      }
      response.statusCode = 404;
      response.end();
    });
    const env = { PERSONIO_BASE_URL: `${upstream.url}/v1` };
    transport = nodeTransport();
    const setup = await startGateway(storage, null, undefined, { env, transport });
    const environment = await createEnvironment(setup.deps.db, { name: 'Node path', mode: 'test' });
    const { secret } = await createApiKey(setup.deps.db, {
      environmentId: environment.id,
      mode: 'test',
      name: 't',
    });
    const linkedAccount = await createLinkedAccount(setup.deps.db, {
      environmentId: environment.id,
      integration: 'personio',
      originId: 'node-path',
      ...(await encryptCredentials(setup.deps.secretBox, {
        clientId: 'node-id',
        clientSecret: 'node-secret',
      })),
    });
    tenant = { apiKey: secret, linkedAccountId: linkedAccount.id };
    // The app itself (no test wrapper) behind the gateway's own Node server, as `src/node.ts` serves it.
    const app = await createApp(setup.deps);
    gateway = await new Promise((resolve) => {
      const server = serveApp({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) =>
        resolve({
          port: info.port,
          close: () =>
            new Promise<void>((done) => {
              server.close(() => done());
              server.closeAllConnections();
            }),
        }),
      );
    });
  });

  afterAll(async () => {
    releaseRest();
    await gateway?.close();
    await transport?.close();
    await upstream?.close();
    await storage?.close();
  });

  function get(path: string): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        {
          host: '127.0.0.1',
          port: gateway.port,
          path,
          headers: {
            authorization: `Bearer ${tenant.apiKey}`,
            'x-linked-account-id': tenant.linkedAccountId,
          },
        },
        resolve,
      );
      outgoing.on('error', reject);
      outgoing.end();
    });
  }

  async function bodyOf(response: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of response) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  it('drops hop-by-hop headers, the token and cookies; joins repeated headers; sets its own once', async () => {
    const response = await get('/proxy/company/headers');
    const body = await bodyOf(response);
    expect(response.statusCode, body.toString('utf8')).toBe(200);
    expect(JSON.parse(body.toString('utf8'))).toEqual({ success: true, data: [] });
    const names = response.rawHeaders.filter((_, index) => index % 2 === 0).map((name) => name.toLowerCase());
    for (const dropped of ['x-hop', 'authorization', 'set-cookie']) {
      expect(names, dropped).not.toContain(dropped);
    }
    // Connection and Keep-Alive, when present, are the gateway's own server's, never Personio's.
    expect(String(response.headers.connection ?? '')).not.toMatch(/x-hop/i);
    expect(String(response.headers['keep-alive'] ?? '')).not.toContain('77');
    expect(response.rawHeaders.join('\n')).not.toContain('papi-node');
    expect(response.headers['x-multi']).toBe('one, two');
    expect(response.headers['x-upstream']).toBe('yes');
    expect(response.headers['content-length']).toBe(String(body.byteLength));
    // The gateway's request id replaces Personio's, and appears once; so does the source.
    expect(names.filter((name) => name === 'x-request-id')).toHaveLength(1);
    expect(response.headers['x-request-id']).toMatch(/^req_/);
    expect(names.filter((name) => name === 'x-roster-source')).toHaveLength(1);
    expect(response.headers['x-roster-source']).toBe('upstream');
    // What reached Personio: the account's token, never the caller's API key.
    const sent = upstream.requests.at(-1)!;
    expect(sent.headers.authorization).toBe('Bearer papi-node');
    expect(sent.headers['x-personio-app-id']).toBeDefined();
    expect(JSON.stringify(sent.headers)).not.toContain(tenant.apiKey);
  });

  it('streams a body of unknown length: the caller has its start before Personio has sent the rest', async () => {
    const response = await get('/proxy/company/stream');
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-request-id']).toMatch(/^req_/);
    const hash = createHash('sha256');
    let received = 0;
    for await (const chunk of response) {
      // Personio holds the rest back until the first bytes got here: a proxy that buffered would never answer.
      if (received === 0) releaseRest();
      received += (chunk as Buffer).byteLength;
      hash.update(chunk as Buffer);
    }
    expect(received).toBe(STREAM_CHUNK.byteLength * STREAM_CHUNKS);
    const expected = createHash('sha256');
    for (let index = 0; index < STREAM_CHUNKS; index++) expected.update(STREAM_CHUNK);
    expect(hash.digest('hex')).toBe(expected.digest('hex'));
  });
});
