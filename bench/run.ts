/**
 * `npm run bench`: what the gateway costs per call, per crawl and in memory, measured side by side
 * on this machine. Starts the Personio simulator, a bare passthrough proxy and the gateway (as
 * `npm start` runs it) on loopback, in PostgreSQL + Redis mode and in embedded mode, and prints one
 * table. See BENCHMARKS.md for the method and the latest figures.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { base64url } from '../src/crypto/encoding';
import { randomBytes } from '../src/crypto/random';
import { type RunningServer, startPostgres, startRedis } from '../test/harness/servers';
import { freePort } from '../test/support/processes';
import { crawlFigure, MEMORY_EMPLOYEES, memoryFigure } from './figures/crawl';
import { startupFigure } from './figures/startup';
import { listFigure, proxyFigure } from './figures/throughput';
import { tokensFigure } from './figures/tokens';
import { type FigureContext, keepAlive, MODE_LABEL, type Mode, upstreamToken } from './lib/context';
import { benchCredentials } from './lib/credentials';
import { describeMachine, loadAverageNow } from './lib/machine';
import { type BenchOptions, parseOptions, USAGE } from './lib/options';
import { missingServerPrerequisites } from './lib/prerequisites';
import { type Child, forkChild, type GatewayProcess, startCommand, startGateway } from './lib/processes';
import { markdownTable, type Row, textTable } from './lib/table';
import { seedTenant } from './lib/tenants';

const ACCOUNTS = 10;
const CRAWL_COMPANY = 10_000;

const log = (line: string) => console.log(line);

/** Everything started here, stopped in reverse order however the run ends. */
const cleanups: (() => Promise<unknown>)[] = [];
async function cleanUp() {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
}

async function main(): Promise<number> {
  let options: BenchOptions | 'help';
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 64;
  }
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }

  const machine = describeMachine();
  const command = await startCommand();
  log(`Roster benchmarks — ${new Date().toISOString()}`);
  log(
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}`,
  );
  log(
    `Load average at start (1/5/15 min): ${machine.loadAverage} — a shared machine; compare ratios, not absolutes.`,
  );
  log(`Gateway command (what \`npm start\` runs): ${command}`);
  log(
    `Load: autocannon, ${options.connections} connections, ${options.warmupSec} s warm-up per target, ` +
      `${options.runs} rounds × ${options.durationSec} s per target (ABBA order), medians; repeats ${options.repeats}.`,
  );

  const rows: Row[] = [];
  const modes: Mode[] = [];
  for (const mode of options.modes) {
    if (mode === 'server') {
      const missing = missingServerPrerequisites();
      if (missing.length) {
        log(`\nSkipping the PostgreSQL + Redis figures; missing on this machine:`);
        for (const item of missing) log(`  ✗ ${item}`);
        rows.push(skippedRow(mode, missing.join('; ')));
        continue;
      }
    }
    modes.push(mode);
  }

  const workDir = await mkdtemp(join(tmpdir(), 'roster-bench-'));
  cleanups.push(() => rm(workDir, { recursive: true, force: true }));
  const cpuProfDir = options.cpuProfDir ? resolve(options.cpuProfDir) : undefined;
  if (cpuProfDir) await mkdir(cpuProfDir, { recursive: true });
  const encryptionKey = base64url.encode(randomBytes(32));
  const { figures } = options;
  const needsCompany = ['proxy', 'list', 'crawl', 'tokens'].some((figure) => figures.has(figure as never));

  let upstream: Child | undefined;
  let bare: Child | undefined;
  let upstreamTokens: string[] = [];
  if (modes.length && needsCompany) {
    upstream = await forkChild('bench/upstream-server.ts', {
      BENCH_EMPLOYEES: String(CRAWL_COMPANY),
      BENCH_CREDENTIALS: String(ACCOUNTS),
    });
    cleanups.push(() => upstream!.stop());
    upstreamTokens = await Promise.all(
      benchCredentials(ACCOUNTS).map((credential) =>
        upstreamToken(upstream!.url, credential.clientId, credential.clientSecret),
      ),
    );
    if (figures.has('proxy')) {
      const [credential] = benchCredentials(1);
      bare = await forkChild('bench/bare-proxy.ts', {
        BENCH_UPSTREAM: upstream.url,
        BENCH_CLIENT_ID: credential!.clientId,
        BENCH_CLIENT_SECRET: credential!.clientSecret,
      });
      cleanups.push(() => bare!.stop());
    }
  }

  let deployment = 0;
  for (const mode of modes) {
    log(`\n== ${MODE_LABEL[mode]} ==`);
    let storage: { databaseUrl?: string; redisUrl?: string; dataDir?: string };
    const servers: RunningServer[] = [];
    try {
      if (mode === 'server') {
        const [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
        servers.push(postgres, redis);
        storage = { databaseUrl: postgres.url, redisUrl: redis.url };
      } else {
        storage = { dataDir: join(workDir, 'embedded') };
        await mkdir(storage.dataDir!, { recursive: true });
      }
    } catch (error) {
      log(`  could not start the servers of this mode: ${(error as Error).message}`);
      rows.push(skippedRow(mode, (error as Error).message.split('\n')[0]!));
      await Promise.all(servers.map((server) => server.stop()));
      continue;
    }
    const stopServers = () => Promise.all(servers.map((server) => server.stop()));
    cleanups.push(stopServers);

    const launch = async (personioBaseUrl: string, prefix: string): Promise<GatewayProcess> => {
      const port = await freePort();
      const env: Record<string, string> = {
        HOST: '127.0.0.1',
        PORT: String(port),
        PERSONIO_BASE_URL: personioBaseUrl,
        ENCRYPTION_KEY: encryptionKey,
        // The default pacing (5/s, bursts of 10, Personio's own limit) would measure Personio's
        // budget, not the gateway; every figure but the token one runs at the highest setting.
        PERSONIO_RATE_LIMIT_PER_SECOND: '1000',
        PERSONIO_RATE_LIMIT_BURST: '1000',
        SANDBOX: 'false',
        LOG_LEVEL: 'info',
      };
      if (storage.databaseUrl)
        Object.assign(env, {
          DATABASE_URL: storage.databaseUrl,
          REDIS_URL: storage.redisUrl,
          REDIS_KEY_PREFIX: prefix,
        });
      else env.DATA_DIR = storage.dataDir!;
      if (cpuProfDir) env.NODE_OPTIONS = `--cpu-prof --cpu-prof-dir=${cpuProfDir}`;
      const gateway = await startGateway(command, env, join(workDir, `gateway-${mode}-${port}.log`));
      cleanups.push(() => gateway.stop());
      return gateway;
    };

    try {
      if (upstream && needsCompany) {
        const tenant = await seedTenant({
          ...storage,
          encryptionKey,
          personioBaseUrl: `${upstream.url}/v1`,
          accounts: ACCOUNTS,
        });
        const prefix = `bench${++deployment}:`;
        // Two processes sharing Redis for the token figure; embedded mode is one process by design.
        const gateways = await Promise.all(
          Array.from({ length: mode === 'server' && figures.has('tokens') ? 2 : 1 }, () =>
            launch(`${upstream!.url}/v1`, prefix),
          ),
        );
        const context: FigureContext = { mode, gateway: gateways[0]!, tenant, upstream, options, log };
        await figure(rows, mode, '4 token exchanges', figures.has('tokens'), async () => [
          await tokensFigure(context, gateways),
        ]);
        for (const extra of gateways.slice(1)) await extra.stop();
        await figure(rows, mode, '1 proxy throughput', figures.has('proxy'), async () => [
          await proxyFigure(context, bare!),
        ]);
        await figure(rows, mode, '2 unified list', figures.has('list'), async () => [
          await listFigure(context, upstreamTokens),
        ]);
        await figure(rows, mode, '3 crawl', figures.has('crawl'), () => crawlFigure(context));
        await gateways[0]!.stop();
      }
      if (figures.has('memory')) {
        await figure(rows, mode, '5 RSS over a 100k crawl', true, async () => {
          log(`  5 memory: simulator with ${MEMORY_EMPLOYEES.toLocaleString('en-US')} employees`);
          const large = await forkChild('bench/upstream-server.ts', {
            BENCH_EMPLOYEES: String(MEMORY_EMPLOYEES),
            BENCH_CREDENTIALS: String(ACCOUNTS),
          });
          try {
            const tenant = await seedTenant({
              ...storage,
              encryptionKey,
              personioBaseUrl: `${large.url}/v1`,
              accounts: 1,
            });
            const gateway = await launch(`${large.url}/v1`, `bench${++deployment}:`);
            try {
              return [await memoryFigure({ mode, gateway, tenant, upstream: large, options, log })];
            } finally {
              await gateway.stop();
            }
          } finally {
            await large.stop();
          }
        });
      }
    } finally {
      await stopServers();
    }
  }

  if (figures.has('startup')) {
    await figure(rows, 'embedded', '6 start-up', true, () => startupFigure(options, command, workDir, log));
  }

  log(`\nLoad average at end (1/5/15 min): ${loadAverageNow()}`);
  log(`Machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}\n`);
  log(textTable(rows));
  if (options.markdown) log(`\n${markdownTable(rows)}`);
  if (options.json) {
    await writeFile(
      options.json,
      `${JSON.stringify({ machine, options: { ...options, figures: [...figures] }, rows }, null, 2)}\n`,
    );
    log(`\nwrote ${options.json}`);
  }
  if (cpuProfDir)
    log(`\nCPU profiles in ${cpuProfDir}; summarise with: npm run bench:profile -- ${cpuProfDir}`);
  const missed = rows.filter((row) => row.result === 'MISS' || row.result === 'error');
  return options.strict && missed.length ? 1 : 0;
}

/** Runs one figure; a failure becomes an `error` row and the run goes on. */
async function figure(
  rows: Row[],
  mode: Mode,
  name: string,
  enabled: boolean,
  run: () => Promise<Row[]>,
): Promise<void> {
  if (!enabled) return;
  try {
    rows.push(...(await run()));
  } catch (error) {
    log(`  ${name} failed: ${(error as Error).stack ?? error}`);
    rows.push({
      figure: name,
      mode: MODE_LABEL[mode],
      gateway: `failed: ${(error as Error).message.split('\n')[0]}`,
      baseline: '',
      ratio: '',
      target: '',
      result: 'error',
    });
  }
}

function skippedRow(mode: Mode, reason: string): Row {
  return {
    figure: 'all figures',
    mode: MODE_LABEL[mode],
    gateway: `skipped: ${reason}`,
    baseline: '',
    ratio: '',
    target: '',
    result: 'skipped',
  };
}

const code = await main().catch((error) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  return 1;
});
await cleanUp();
await keepAlive.close();
process.exit(code);
