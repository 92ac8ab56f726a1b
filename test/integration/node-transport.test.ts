import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCache } from '../../src/cache/memory';
import { base64url } from '../../src/crypto/encoding';
import { randomBytes } from '../../src/crypto/random';
import { createSecretBox } from '../../src/crypto/secret-box';
import { ApiError } from '../../src/errors';
import { fetchTransport, type HttpTransport, TransportError } from '../../src/providers/http';
import { PersonioClient } from '../../src/providers/personio/client';
import { PersonioTokenManager } from '../../src/providers/personio/token-manager';
import { nodeTransport } from '../../src/runtime/node-transport';
import { type LoopbackServer, type RecordedRequest, recordingServer } from '../support/http-servers';

type Server = LoopbackServer & { requests: RecordedRequest[] };

const JSON_BODY = JSON.stringify({ success: true, data: Array.from({ length: 200 }, (_, id) => ({ id })) });
const ENCODED: Record<string, Buffer> = {
  gzip: gzipSync(JSON_BODY),
  deflate: deflateSync(JSON_BODY),
  br: brotliCompressSync(JSON_BODY),
};

const PIECES = [nodeRandomBytes(30_000), nodeRandomBytes(1), nodeRandomBytes(50_000)];

const request = (
  url: string,
  init: Partial<{
    method: string;
    headers: Headers;
    body: ArrayBuffer | ReadableStream<Uint8Array> | null;
    timeoutMs: number;
  }> = {},
) => ({
  method: init.method ?? 'GET',
  url: new URL(url),
  headers: init.headers ?? new Headers(),
  body: init.body ?? null,
  timeoutMs: init.timeoutMs ?? 2_000,
});

describe('node transport', () => {
  const transport = nodeTransport();
  let server: Server;
  let elsewhere: Server;

  beforeAll(async () => {
    elsewhere = await recordingServer((_request, response) => response.end('elsewhere'));
    server = await recordingServer((incoming, response) => {
      const path = incoming.target;
      if (path.startsWith('/encoded/')) {
        const coding = path.slice('/encoded/'.length);
        response.setHeader('content-type', 'application/json');
        response.setHeader('content-encoding', coding);
        response.end(ENCODED[coding]);
      } else if (path === '/redirect') {
        response.writeHead(302, { location: `${elsewhere.url}/target` }).end();
      } else if (path === '/hang') {
        // Never answers.
      } else if (path === '/stall') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.write('{"success":true,');
        // …and never finishes.
      } else if (path === '/cut') {
        // Declares more than it sends, then drops the connection.
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        response.write('{"success":true,', () => response.socket?.destroy());
      } else if (path === '/pieces') {
        // Three writes apart in time (separate chunks at the client, unless the machine is slow enough to join them).
        response.writeHead(200, { 'content-type': 'application/octet-stream' });
        response.write(PIECES[0]);
        setTimeout(() => response.write(PIECES[1]), 5);
        setTimeout(() => response.end(PIECES[2]), 10);
      } else if (path === '/chunked') {
        response.write('one,');
        setTimeout(() => response.end('two'), 5);
      } else if (path === '/cookies') {
        response.setHeader('set-cookie', ['a=1', 'b=2']);
        response.end('ok');
      } else if (path === '/no-content') {
        response.writeHead(204).end();
      } else {
        response.setHeader('content-type', incoming.headers['content-type'] ?? 'application/octet-stream');
        response.setHeader('x-method', incoming.method ?? '');
        response.setHeader('x-seen-header', String(incoming.headers['x-custom'] ?? ''));
        response.end(incoming.body);
      }
    });
  });

  afterAll(async () => {
    await transport.close();
    await server?.close();
    await elsewhere?.close();
  });

  it.each(Object.keys(ENCODED))(
    'decodes %s content for text(), and keeps it encoded for bytes()',
    async (coding) => {
      const decoded = await transport.send(request(`${server.url}/encoded/${coding}`));
      expect(decoded.headers.get('content-encoding')).toBe(coding);
      expect(JSON.parse(await decoded.text())).toEqual(JSON.parse(JSON_BODY));

      const raw = await transport.send(request(`${server.url}/encoded/${coding}`));
      expect(raw.length).toBe(ENCODED[coding]!.byteLength);
      expect(Buffer.from(await raw.bytes())).toEqual(ENCODED[coding]);
    },
  );

  it('sends buffered and streamed bodies and headers as given', async () => {
    const bytes = new Uint8Array(nodeRandomBytes(70_000));
    const buffered = await transport.send(
      request(`${server.url}/echo`, {
        method: 'POST',
        headers: new Headers({ 'content-type': 'application/pdf', 'x-custom': 'yes' }),
        body: bytes.slice().buffer as ArrayBuffer,
      }),
    );
    expect(buffered.status).toBe(200);
    expect(buffered.headers.get('x-method')).toBe('POST');
    expect(buffered.headers.get('x-seen-header')).toBe('yes');
    expect(buffered.headers.get('content-type')).toBe('application/pdf');
    expect(await buffered.bytes()).toEqual(bytes);

    const streamed = await transport.send(
      request(`${server.url}/echo`, {
        method: 'PUT',
        body: new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(bytes.subarray(0, 1000));
            controller.enqueue(bytes.subarray(1000));
            controller.close();
          },
        }),
      }),
    );
    expect(streamed.headers.get('x-method')).toBe('PUT');
    const chunks: Uint8Array[] = [];
    for await (const chunk of streamed.stream()! as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk);
    expect(Buffer.concat(chunks)).toEqual(Buffer.from(bytes));
  });

  it('returns a redirect as the answer and never follows it', async () => {
    const answer = await transport.send(request(`${server.url}/redirect`));
    expect(answer.status).toBe(302);
    expect(answer.headers.get('location')).toBe(`${elsewhere.url}/target`);
    await answer.discard();
    expect(elsewhere.requests).toEqual([]);
  });

  it('knows the length only when it was declared, and keeps repeated headers', async () => {
    const chunked = await transport.send(request(`${server.url}/chunked`));
    expect(chunked.length).toBeNull();
    expect(await chunked.text()).toBe('one,two');
    const cookies = await transport.send(request(`${server.url}/cookies`));
    expect(cookies.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    await cookies.discard();
    const empty = await transport.send(request(`${server.url}/no-content`));
    expect(empty.status).toBe(204);
    expect(await empty.bytes()).toEqual(new Uint8Array(0));
  });

  it('reads a body that arrives in pieces whole, and reports one cut off as a network failure', async () => {
    const pieces = await transport.send(request(`${server.url}/pieces`));
    expect(Buffer.from(await pieces.bytes())).toEqual(Buffer.concat(PIECES));
    const again = await transport.send(request(`${server.url}/pieces`));
    expect(await again.text()).toBe(Buffer.concat(PIECES).toString('utf8'));

    const cut = await transport.send(request(`${server.url}/cut`));
    expect(cut.status).toBe(200);
    await expect(cut.bytes()).rejects.toBeInstanceOf(TransportError);
    const cutAgain = await transport.send(request(`${server.url}/cut`));
    await expect(cutAgain.text()).rejects.toMatchObject({ kind: 'network' });
  });

  it('times out when the answer does not come, and when its body stops', async () => {
    const hung = transport.send(request(`${server.url}/hang`, { timeoutMs: 200 }));
    await expect(hung).rejects.toBeInstanceOf(TransportError);
    await expect(hung).rejects.toMatchObject({ kind: 'timeout' });

    const stalled = await transport.send(request(`${server.url}/stall`, { timeoutMs: 200 }));
    expect(stalled.status).toBe(200);
    await expect(stalled.text()).rejects.toMatchObject({ kind: 'timeout' });
  });

  it('reports a refused connection as a network failure', async () => {
    const closed = await recordingServer(() => {});
    const { url } = closed;
    await closed.close();
    await expect(transport.send(request(`${url}/x`))).rejects.toMatchObject({ kind: 'network' });
  });
});

describe('Personio client over each transport', () => {
  let personio: Server;
  let authCalls = 0;

  beforeAll(async () => {
    personio = await recordingServer((incoming, response) => {
      const path = incoming.target;
      if (path === '/v1/auth') {
        authCalls++;
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ success: true, data: { token: 'papi-t', expires_in: 86400 } }));
      } else if (path === '/v1/company/gzip') {
        // Personio compresses when asked; the client must ask and must read it either way.
        const accepts = String(incoming.headers['accept-encoding'] ?? '');
        response.setHeader('content-type', 'application/json');
        if (accepts.includes('gzip')) {
          response.setHeader('content-encoding', 'gzip');
          response.end(ENCODED.gzip);
        } else response.end(JSON_BODY);
      } else if (path === '/v1/company/hang') {
        // Never answers.
      } else {
        response.statusCode = 404;
        response.end('{"success":false}');
      }
    });
  });

  afterAll(async () => {
    await personio?.close();
  });

  const transports: [string, () => HttpTransport & { close?: () => Promise<void> }][] = [
    ['fetch', () => fetchTransport((input) => fetch(input))],
    ['node', () => nodeTransport()],
  ];

  it.each(transports)('over %s: reads compressed JSON and times out on a hung call', async (_name, make) => {
    const transport = make();
    const secretBox = await createSecretBox(base64url.encode(randomBytes(32)));
    const client = new PersonioClient({
      baseUrl: `${personio.url}/v1`,
      transport,
      credentials: { clientId: 'id', clientSecret: 'secret' },
      tokens: new PersonioTokenManager(new MemoryCache(), secretBox),
      accountKey: `account-${_name}`,
      appId: 'roster-test',
      retry: { attemptTimeoutMs: 200, budgetMs: 500, maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 20 },
    });
    try {
      const { z } = await import('zod');
      const body = await client.get(
        '/company/gzip',
        [],
        z.object({ success: z.literal(true), data: z.array(z.object({ id: z.number() })) }),
      );
      expect(body?.data).toHaveLength(200);
      const hung = client.get('/company/hang', [], z.unknown());
      await expect(hung).rejects.toBeInstanceOf(ApiError);
      await expect(hung).rejects.toMatchObject({ code: 'provider_timeout' });
      expect(authCalls).toBeGreaterThan(0);
    } finally {
      await transport.close?.();
    }
  });
});

/**
 * A raw server that answers the first request of every connection with keep-alive, and drops the second
 * request of the first connection without answering (the race of a server closing an idle keep-alive
 * connection just as the client sends on it): by a reset (RST) or by closing its side (FIN).
 */
async function droppingServer(drop: 'reset' | 'closed') {
  const connections: string[][] = [];
  const server = createNetServer((socket) => {
    const requests: string[] = [];
    connections.push(requests);
    const first = connections.length === 1;
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      for (let end = buffered.indexOf('\r\n\r\n'); end !== -1; end = buffered.indexOf('\r\n\r\n')) {
        const head = buffered.slice(0, end);
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        buffered = buffered.slice(end + 4 + length);
        requests.push(head.split('\r\n')[0]!);
        if (first && requests.length === 2) {
          if (drop === 'reset') socket.resetAndDestroy();
          else socket.destroy();
          return;
        }
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok');
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('node transport on a keep-alive connection the server drops', () => {
  it.each(['reset', 'closed'] as const)(
    'sends an idempotent request once more on a fresh connection when the old one is %s before any answer',
    async (drop) => {
      const server = await droppingServer(drop);
      const transport = nodeTransport({ connections: 1 });
      try {
        const warmup = await transport.send(request(`${server.url}/first`));
        expect(await warmup.text()).toBe('ok');

        const answer = await transport.send(request(`${server.url}/second`));
        expect(answer.status).toBe(200);
        expect(await answer.text()).toBe('ok');
        // The second request went out on the kept-alive connection, was dropped, and was sent again.
        expect(server.connections[0]).toEqual(['GET /first HTTP/1.1', 'GET /second HTTP/1.1']);
        expect(server.connections.slice(1).flat()).toEqual(['GET /second HTTP/1.1']);
      } finally {
        await transport.close();
        await server.close();
      }
    },
  );

  it('does not send a POST again: the server may have acted on it', async () => {
    const server = await droppingServer('reset');
    const transport = nodeTransport({ connections: 1 });
    try {
      await (await transport.send(request(`${server.url}/first`))).discard();
      const body = new TextEncoder().encode('{"a":1}').buffer as ArrayBuffer;
      await expect(
        transport.send(request(`${server.url}/write`, { method: 'POST', body })),
      ).rejects.toBeInstanceOf(TransportError);
      expect(server.connections.flat()).toEqual(['GET /first HTTP/1.1', 'POST /write HTTP/1.1']);
    } finally {
      await transport.close();
      await server.close();
    }
  });
});
