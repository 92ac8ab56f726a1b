/**
 * The baseline for the proxy figure: the least a Node passthrough proxy can do. `ALL /proxy/*` goes to
 * `UPSTREAM/v1/*` over a keep-alive undici pool with one bearer token fetched at start; no API key, no
 * database, no cache, no retries, no rate budget. It strips the same hop-by-hop and token headers the
 * gateway strips, so both send the caller the same bytes.
 *
 * It streams the answer's chunks as they come. `BENCH_BODY_READ` makes it read the answer whole first and
 * send it in one write, as the gateway does with answers up to 1 MiB: `array-buffer` with undici's
 * `body.arrayBuffer()`, `chunks` by joining the chunks (the gateway's transport). `bench/body-reads.ts`
 * runs the three side by side.
 *
 * Env: BENCH_UPSTREAM (origin of the simulator), BENCH_CLIENT_ID, BENCH_CLIENT_SECRET, BENCH_BODY_READ.
 * Sends `{ type: 'ready', port }` over IPC once listening.
 */
import { createServer } from 'node:http';
import {
  DROPPED_REQUEST_HEADERS,
  DROPPED_RESPONSE_HEADERS,
  joinedChunks,
  listenForBench,
  passthroughUpstream,
} from './lib/passthrough';

const { pool, authorization } = await passthroughUpstream();
const bodyRead = process.env.BENCH_BODY_READ;
if (bodyRead && bodyRead !== 'array-buffer' && bodyRead !== 'chunks') {
  throw new Error(`BENCH_BODY_READ=${bodyRead}: expected array-buffer or chunks`);
}

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
    if (bodyRead === 'array-buffer') {
      const body = new Uint8Array(await upstreamResponse.body.arrayBuffer());
      response.writeHead(upstreamResponse.statusCode, returned).end(body);
    } else if (bodyRead === 'chunks') {
      const body = await joinedChunks(upstreamResponse.body as AsyncIterable<Buffer>);
      response.writeHead(upstreamResponse.statusCode, returned).end(body);
    } else {
      response.writeHead(upstreamResponse.statusCode, returned);
      for await (const chunk of upstreamResponse.body) response.write(chunk);
      response.end();
    }
  } catch {
    if (!response.headersSent) response.writeHead(502);
    response.end();
  }
});

listenForBench(server);
