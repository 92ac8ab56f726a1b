/**
 * The baseline for the proxy figure: the least a Node passthrough proxy can do. `ALL /proxy/*` goes to
 * `UPSTREAM/v1/*` over a keep-alive undici pool with one bearer token fetched at start; no API key, no
 * database, no cache, no retries, no rate budget. It strips the same hop-by-hop and token headers the
 * gateway strips, so both send the caller the same bytes.
 *
 * Env: BENCH_UPSTREAM (origin of the simulator), BENCH_CLIENT_ID, BENCH_CLIENT_SECRET.
 * Sends `{ type: 'ready', port }` over IPC once listening.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DROPPED_REQUEST_HEADERS, DROPPED_RESPONSE_HEADERS, passthroughUpstream } from './lib/passthrough';

const { pool, authorization } = await passthroughUpstream();

const server = createServer(async (request, response) => {
  const url = request.url ?? '/';
  if (!url.startsWith('/proxy/')) {
    response.writeHead(404).end();
    return;
  }
  const headers: Record<string, string | string[]> = { authorization };
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined && !DROPPED_REQUEST_HEADERS.has(name)) headers[name] = value;
  }
  try {
    const upstreamResponse = await pool.request({
      method: request.method as 'GET',
      path: `/v1/${url.slice('/proxy/'.length)}`,
      headers,
      body: request.method === 'GET' || request.method === 'HEAD' ? null : request,
    });
    const returned: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(upstreamResponse.headers)) {
      if (value !== undefined && !DROPPED_RESPONSE_HEADERS.has(name)) returned[name] = value;
    }
    response.writeHead(upstreamResponse.statusCode, returned);
    for await (const chunk of upstreamResponse.body) response.write(chunk);
    response.end();
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
