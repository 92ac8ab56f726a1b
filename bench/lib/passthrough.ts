import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

/**
 * What the two reference proxies share (`bare-proxy.ts`, `hono-floor-proxy.ts`): a keep-alive undici pool to
 * the simulator (BENCH_UPSTREAM), the headers the gateway strips too, and one bearer token fetched at start
 * (BENCH_CLIENT_ID, BENCH_CLIENT_SECRET).
 */
export const DROPPED_REQUEST_HEADERS = new Set([
  'host',
  'connection',
  'keep-alive',
  'authorization',
  'content-length',
]);
export const DROPPED_RESPONSE_HEADERS = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'authorization',
]);

export async function passthroughUpstream(): Promise<{ pool: Pool; authorization: string }> {
  const pool = new Pool(process.env.BENCH_UPSTREAM!, { connections: 64, pipelining: 1 });
  const response = await pool.request({
    method: 'POST',
    path: '/v1/auth',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_id: process.env.BENCH_CLIENT_ID,
      client_secret: process.env.BENCH_CLIENT_SECRET,
    }),
  });
  const body = (await response.body.json()) as { data: { token: string } };
  return { pool, authorization: `Bearer ${body.data.token}` };
}

/** An answer's body whole, as the gateway's transport reads it: its chunks joined (one chunk as it is). */
export async function joinedChunks(body: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

/** Listens on a free loopback port, reports `{ type: 'ready', port }` over IPC and stops when the bench goes. */
export function listenForBench(server: Server): void {
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1', () => {
    process.send?.({ type: 'ready', port: (server.address() as AddressInfo).port });
  });
  process.on('disconnect', () => {
    server.close();
    process.exit(0);
  });
}
