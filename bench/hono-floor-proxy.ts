/**
 * The floor under the proxy figure's gateway: the bare passthrough's work (`bare-proxy.ts`) done the way
 * the gateway's stack does it — a Hono app on @hono/node-server, the answer read whole and returned as a
 * `Response` with a plain header object — and nothing else (no API key, database, cache, budget, logs).
 * `compare-builds.ts --floor` runs it beside the gateways, so the gap between the gateway and the bare
 * proxy splits into what the stack costs and what the gateway's own work costs.
 *
 * Env: BENCH_UPSTREAM, BENCH_CLIENT_ID, BENCH_CLIENT_SECRET. Sends `{ type: 'ready', port }` once listening.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import {
  DROPPED_REQUEST_HEADERS,
  DROPPED_RESPONSE_HEADERS,
  joinedChunks,
  passthroughUpstream,
} from './lib/passthrough';

const { pool, authorization } = await passthroughUpstream();

const app = new Hono();
app.get('/proxy/*', async (c) => {
  const raw = (c.env as { incoming: { rawHeaders: string[] } }).incoming.rawHeaders;
  const headers: string[] = ['authorization', authorization];
  for (let index = 0; index < raw.length; index += 2) {
    if (!DROPPED_REQUEST_HEADERS.has(raw[index]!.toLowerCase())) headers.push(raw[index]!, raw[index + 1]!);
  }
  const url = new URL(c.req.url);
  const upstream = await pool.request({
    method: 'GET',
    path: `/v1/${url.pathname.slice('/proxy/'.length)}${url.search}`,
    headers,
  });
  const returned: Record<string, string> = {};
  for (const [name, value] of Object.entries(upstream.headers)) {
    if (value !== undefined && !DROPPED_RESPONSE_HEADERS.has(name)) {
      returned[name] = Array.isArray(value) ? value.join(', ') : value;
    }
  }
  // Read as the gateway's transport reads it (undici's `arrayBuffer()` costs more: bench/body-reads.ts).
  const body = await joinedChunks(upstream.body as AsyncIterable<Buffer>);
  return new Response(body as Uint8Array<ArrayBuffer>, { status: upstream.statusCode, headers: returned });
});

const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
  process.send?.({ type: 'ready', port: info.port });
});
process.on('disconnect', () => {
  server.close();
  process.exit(0);
});
