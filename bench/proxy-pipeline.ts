/**
 * `node --v8-pool-size=1 --import tsx bench/proxy-pipeline.ts [--calls N] [--request-logs false]`: the
 * gateway's own CPU per proxied call, without sockets. The app (embedded PGlite, memory cache, request logs
 * on, log lines formatted; metrics off, as without `METRICS_TOKEN`) answers `GET /proxy/company/employees` through `app.fetch`, its
 * Personio transport a stub that answers at once with a fixed 2 kB page; beside it, a bare Hono app that
 * forwards to the same stub. CPU is this process's (user + system, and its main thread alone); medians of
 * rounds of 10 callers, each for its own linked account as in `npm run bench`. What is left over the bare
 * app is the gateway's own work per call: auth, linked account, rate budget, token, path policy, trace, log
 * line and request-log row (its PGlite insert included).
 *
 * `--upstream simulator`: both apps call the Personio simulator in a process of its own through the Node
 * transport (`nodeTransport`, as `npm start` does) instead of the stub, for the 44 kB page of figure 1. The
 * simulator's CPU is not counted. The gap then includes what the gateway's work costs once its calls wait on
 * real sockets, which the stub (answers at once, 2 kB) leaves out.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Hono } from 'hono';
import { createApp } from '../src/app';
import { MemoryCache } from '../src/cache/memory';
import { parseConfig } from '../src/config';
import { base64url } from '../src/crypto/encoding';
import { randomBytes } from '../src/crypto/random';
import { createSecretBox } from '../src/crypto/secret-box';
import { connectPglite } from '../src/db/connect';
import { createApiKey } from '../src/db/queries/api-keys';
import { createEnvironment } from '../src/db/queries/environments';
import { createLogger } from '../src/lib/logger';
import type { HttpTransport, UpstreamResponse } from '../src/providers/http';
import { nodeTransport } from '../src/runtime/node-transport';
import { promMetrics } from '../src/runtime/prom-metrics';
import { createPersonioSandbox, SANDBOX_CREDENTIALS } from '../src/sandbox/personio';
import { createServices } from '../src/services';
import { linkPersonioAccount } from '../src/services/linking';
import { DROPPED_RESPONSE_HEADERS } from './lib/passthrough';
import { forkChild } from './lib/processes';
import { median } from './lib/stats';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '20000' },
    'request-logs': { type: 'string' },
    upstream: { type: 'string', default: 'stub' },
  },
});
if (values.upstream !== 'stub' && values.upstream !== 'simulator') {
  throw new Error(`--upstream ${values.upstream}: expected stub or simulator`);
}
const calls = Number(values.calls);

const page: Uint8Array<ArrayBuffer> = new TextEncoder().encode(
  JSON.stringify({
    success: true,
    data: Array.from({ length: 10 }, (_, index) => ({
      type: 'Employee',
      attributes: { id: index, name: 'x'.repeat(150) },
    })),
  }),
);
const token = JSON.stringify({ success: true, data: { token: 'stub-token', expires_in: 86_400 } });

function stubResponse(body: Uint8Array<ArrayBuffer>): UpstreamResponse {
  const pairs: [string, string][] = [
    ['content-type', 'application/json; charset=utf-8'],
    ['content-length', String(body.byteLength)],
    ['x-ratelimit-remaining', '199'],
  ];
  return {
    status: 200,
    statusText: '',
    get headers() {
      return new Headers(pairs);
    },
    length: body.byteLength,
    headerPairs: () => pairs,
    stream: () => new Response(body).body,
    bytes: async () => body,
    text: async () => new TextDecoder().decode(body),
    discard: async () => {},
  };
}
const stub: HttpTransport = {
  async send(request) {
    return stubResponse(request.url.pathname.endsWith('/auth') ? new TextEncoder().encode(token) : page);
  },
};

// With the stub: linked through an in-process simulator (credential check), then served by the stub. With
// `--upstream simulator`: linked and served by the simulator's own process, through the Node transport.
const simulator =
  values.upstream === 'simulator'
    ? await forkChild('bench/upstream-server.ts', { BENCH_EMPLOYEES: '10000', BENCH_CREDENTIALS: '0' })
    : undefined;
const transport: HttpTransport & { close?(): Promise<void> } = simulator ? nodeTransport() : stub;
const personioBaseUrl = simulator ? `${simulator.url}/v1` : 'http://personio.test/v1';
const bareAuthorization = `Bearer ${await upstreamToken()}`;

/** A token for the bare app, from the upstream it calls. */
async function upstreamToken(): Promise<string> {
  const { clientId, clientSecret } = SANDBOX_CREDENTIALS.full;
  const answer = await transport.send({
    method: 'POST',
    url: new URL(`${personioBaseUrl}/auth`),
    headers: [['content-type', 'application/json']],
    body: new TextEncoder().encode(JSON.stringify({ client_id: clientId, client_secret: clientSecret }))
      .buffer,
    timeoutMs: 10_000,
  });
  return (JSON.parse(await answer.text()) as { data: { token: string } }).data.token;
}
const dataDir = await mkdtemp(join(tmpdir(), 'roster-pipeline-'));
const database = await connectPglite(join(dataDir, 'data'));
const encryptionKey = base64url.encode(randomBytes(32));
const config = parseConfig({
  ENCRYPTION_KEY: encryptionKey,
  PERSONIO_BASE_URL: personioBaseUrl,
  SANDBOX: 'false',
  LOG_LEVEL: 'info',
  REQUEST_LOGS: values['request-logs'] ?? 'true',
  UPSTREAM_RATE_LIMIT_PER_SECOND: '1000',
  UPSTREAM_RATE_LIMIT_BURST: '1000',
});
const base = {
  config,
  db: database.db,
  cache: new MemoryCache(),
  secretBox: await createSecretBox(encryptionKey),
  // Every line formatted as `npm start` formats it (level info), then dropped instead of written.
  logger: createLogger('info', () => {}),
};
const linking = await createServices({
  ...base,
  fetch: simulator
    ? globalThis.fetch
    : createPersonioSandbox({ employees: 20, seed: 1, credentials: [SANDBOX_CREDENTIALS.full] }).fetch,
});
const environment = await createEnvironment(linking.db, { name: 'Bench', mode: 'test' });
const { secret } = await createApiKey(linking.db, {
  environmentId: environment.id,
  mode: 'test',
  name: 'bench',
});
// One account per caller, as in `npm run bench`: each account's rate budget (1,000/s) is then never what waits.
const LANES = 10;
const accounts = [];
for (let lane = 0; lane < LANES; lane++) {
  accounts.push(
    await linkPersonioAccount(linking, {
      environmentId: environment.id,
      integration: 'personio',
      credentials: SANDBOX_CREDENTIALS.full,
      originId: `bench-${lane}`,
    }),
  );
}
const gateway = await createApp({ ...base, transport, metrics: promMetrics() });

const bare = new Hono();
bare.get('/proxy/*', async (c) => {
  const url = new URL(c.req.url);
  const upstream = await transport.send({
    method: 'GET',
    url: new URL(`${personioBaseUrl}/${url.pathname.slice(7)}${url.search}`),
    headers: [['authorization', bareAuthorization]],
    body: null,
    timeoutMs: 10_000,
  });
  const headers: Record<string, string> = {};
  for (const [name, value] of upstream.headerPairs()) {
    if (!DROPPED_RESPONSE_HEADERS.has(name)) headers[name] = value;
  }
  return new Response((await upstream.bytes()) as Uint8Array<ArrayBuffer>, {
    status: upstream.status,
    headers,
  });
});

const headers = accounts.map((account) => ({
  authorization: `Bearer ${secret}`,
  'x-linked-account-id': account.id,
}));
const target = 'http://127.0.0.1/proxy/company/employees?limit=10';
async function call(app: { fetch(request: Request): Response | Promise<Response> }, lane = 0): Promise<void> {
  const response = await app.fetch(new Request(target, { headers: headers[lane]! }));
  if (response.status !== 200) throw new Error(`${response.status}: ${await response.text()}`);
  await response.arrayBuffer();
}

/** CPU ms of this process (every thread) and of its main thread alone, from /proc (Linux). */
function cpu(): { all: number; main: number } {
  const ticks = (path: string) => {
    const fields = readFileSync(path, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  };
  return {
    all: ticks(`/proc/${process.pid}/stat`),
    main: ticks(`/proc/${process.pid}/task/${process.pid}/stat`),
  };
}

async function measure(label: string, app: { fetch(request: Request): Response | Promise<Response> }) {
  const lanes = LANES;
  const perLane = Math.ceil(calls / lanes);
  const run = () =>
    Promise.all(
      Array.from({ length: lanes }, async (_, lane) => {
        for (let index = 0; index < perLane; index++) await call(app, lane);
      }),
    );
  const rounds: number[] = [];
  const mainRounds: number[] = [];
  for (let round = 0; round < 5; round++) {
    const start = cpu();
    await run();
    const end = cpu();
    rounds.push(((end.all - start.all) * 1000) / (perLane * lanes));
    mainRounds.push(((end.main - start.main) * 1000) / (perLane * lanes));
  }
  return { label, median: median(rounds), rounds, main: median(mainRounds) };
}

// Warm-up: both apps' code optimised before anything is measured.
for (let index = 0; index < 3000; index++) {
  await call(gateway, index % LANES);
  await call(bare);
}
const results = [];
for (let pass = 0; pass < 2; pass++) {
  results.push(await measure('gateway', gateway), await measure('bare Hono', bare));
}
for (const result of results) {
  console.log(
    `${result.label.padEnd(10)} median ${result.median.toFixed(1).padStart(6)} µs CPU per call [${result.rounds.map((value) => value.toFixed(0)).join(' ')}], main thread ${result.main.toFixed(1)} µs`,
  );
}
const gatewayMedian = median(
  results.filter((result) => result.label === 'gateway').map((result) => result.median),
);
const bareMedian = median(
  results.filter((result) => result.label === 'bare Hono').map((result) => result.median),
);
console.log(
  `gateway − bare Hono: ${(gatewayMedian - bareMedian).toFixed(1)} µs CPU per call (${(gatewayMedian / bareMedian).toFixed(2)}×)`,
);
await database.close();
await rm(dataDir, { recursive: true, force: true });
await transport.close?.();
await simulator?.stop();
process.exit(0);
