/**
 * The bare passthrough (`bare-proxy.ts`) with the answer read whole before it is sent in one write, as the
 * gateway sends answers up to 1 MiB: `BENCH_BODY_READ=array-buffer` reads it with undici's
 * `body.arrayBuffer()`, `chunks` (the default) collects the chunks and joins them, as the gateway's transport
 * does. `bench/body-reads.ts` runs both beside the bare passthrough.
 *
 * Env: BENCH_UPSTREAM, BENCH_CLIENT_ID, BENCH_CLIENT_SECRET, BENCH_BODY_READ. Sends `{ type: 'ready', port }`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DROPPED_REQUEST_HEADERS, DROPPED_RESPONSE_HEADERS, passthroughUpstream } from './lib/passthrough';

const { pool, authorization } = await passthroughUpstream();
const byArrayBuffer = process.env.BENCH_BODY_READ === 'array-buffer';

const server = createServer(async (request, response) => {
  const raw = request.rawHeaders;
  const headers: string[] = ['authorization', authorization];
  for (let index = 0; index < raw.length; index += 2) {
    if (!DROPPED_REQUEST_HEADERS.has(raw[index]!.toLowerCase())) headers.push(raw[index]!, raw[index + 1]!);
  }
  try {
    const upstream = await pool.request({
      method: 'GET',
      path: `/v1/${(request.url ?? '/').slice('/proxy/'.length)}`,
      headers,
    });
    const returned: Record<string, string> = {};
    for (const [name, value] of Object.entries(upstream.headers)) {
      if (value !== undefined && !DROPPED_RESPONSE_HEADERS.has(name)) {
        returned[name] = Array.isArray(value) ? value.join(', ') : value;
      }
    }
    let body: Uint8Array;
    if (byArrayBuffer) {
      body = new Uint8Array(await upstream.body.arrayBuffer());
    } else {
      const chunks: Buffer[] = [];
      for await (const chunk of upstream.body as AsyncIterable<Buffer>) chunks.push(chunk);
      body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    }
    response.writeHead(upstream.statusCode, returned);
    response.end(body);
  } catch {
    if (!response.headersSent) response.writeHead(502);
    response.end();
  }
});

server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  process.send?.({ type: 'ready', port: (server.address() as AddressInfo).port });
});
process.on('disconnect', () => {
  server.close();
  process.exit(0);
});
