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
import { OBSERVABILITY_OFF, OBSERVABILITY_ON, observabilityFigures } from './figures/observability';
import { startupFigure } from './figures/startup';
import { listFigure, proxyFigure } from './figures/throughput';
import { tokensFigure } from './figures/tokens';
import { type Calibration, calibrate, REFERENCE_CALIBRATION_MS } from './lib/calibration';
import { type FigureContext, keepAlive, MODE_LABEL, type Mode, upstreamToken } from './lib/context';
import { benchCredentials } from './lib/credentials';
import { describeMachine, loadAverageNow } from './lib/machine';
import { type BenchOptions, type Figure, parseOptions, USAGE } from './lib/options';
import { missingServerPrerequisites } from './lib/prerequisites';
import {
  type Child,
  forkChild,
  type GatewayProcess,
  startCommand,
  startGateway,
  withNodeFlags,
} from './lib/processes';
import { markdownTable, type Row, textTable } from './lib/table';
import { seedTenant } from './lib/tenants';

/** Linked accounts (one Personio credential each) the load is spread over. */
const ACCOUNTS = 10;
const COMPANY_EMPLOYEES = 10_000;
const COMPANY_FIGURES: Figure[] = ['tokens', 'proxy', 'list', 'crawl', 'observability'];

const log = (line: string) => console.log(line);

/** Everything started here is stopped in reverse order, however the run ends. */
const cleanups: (() => Promise<unknown>)[] = [];
function onCleanUp(cleanup: () => Promise<unknown>) {
  cleanups.push(cleanup);
}
async function cleanUp() {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
}

/** What every mode shares: the run's options, the simulator of the 10k company, the bare proxy. */
interface Run {
  options: BenchOptions;
  command: string;
  workDir: string;
  encryptionKey: string;
  cpuProfDir: string | undefined;
  upstream: Child | undefined;
  bare: Child | undefined;
  /** The minimal Hono proxy (`hono-floor-proxy.ts`), with the bare one. */
  floor: Child | undefined;
  upstreamTokens: string[];
  rows: Row[];
  deployments: number;
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
    `Load average at start (1/5/15 min): ${machine.loadAverage} (a shared machine: compare ratios, not absolutes)`,
  );
  const calibration = calibrate();
  log(calibrationLine(calibration));
  log(`Gateway command (what \`npm start\` runs): ${command}`);
  log(
    `Load: autocannon, ${options.connections} connections, ${options.warmupSec} s warm-up per target, ` +
      `${options.runs} rounds × ${options.durationSec} s per target (ABBA order), medians; repeats ${options.repeats}.`,
  );

  const run: Run = {
    options,
    command,
    workDir: await mkdtemp(join(tmpdir(), 'roster-bench-')),
    encryptionKey: base64url.encode(randomBytes(32)),
    cpuProfDir: options.cpuProfDir ? resolve(options.cpuProfDir) : undefined,
    upstream: undefined,
    bare: undefined,
    floor: undefined,
    upstreamTokens: [],
    rows: [],
    deployments: 0,
  };
  if (options.keep) onCleanUp(async () => log(`Work directory kept: ${run.workDir}`));
  else onCleanUp(() => rm(run.workDir, { recursive: true, force: true }));
  if (run.cpuProfDir) await mkdir(run.cpuProfDir, { recursive: true });

  const modes: Mode[] = [];
  for (const mode of options.modes) {
    const missing = mode === 'server' ? missingServerPrerequisites() : [];
    if (missing.length === 0) {
      modes.push(mode);
      continue;
    }
    log('\nSkipping the PostgreSQL + Redis figures; missing on this machine:');
    for (const item of missing) log(`  ✗ ${item}`);
    run.rows.push(skippedRow(mode, missing.join('; ')));
  }

  if (modes.length && COMPANY_FIGURES.some((figure) => options.figures.has(figure))) {
    await startCompany(run);
  }
  for (const mode of modes) await runMode(run, mode);
  if (options.figures.has('startup')) {
    // Calibrated again just before: on a shared box the load at the end of a run is not that at its start.
    const beforeStartup = calibrate();
    log(`\n${calibrationLine(beforeStartup)}`);
    await figure(run.rows, 'embedded', '6 start-up', () =>
      startupFigure(options, command, run.workDir, log, beforeStartup),
    );
  }

  log(`\nLoad average at end (1/5/15 min): ${loadAverageNow()}`);
  // Measured again at the end: a box that got busier during the run shows it here.
  log(calibrationLine(calibrate()));
  log(`Machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}\n`);
  log(textTable(run.rows));
  if (options.markdown) log(`\n${markdownTable(run.rows)}`);
  if (options.json) {
    const report = {
      machine,
      calibration,
      options: { ...options, figures: [...options.figures] },
      rows: run.rows,
    };
    await writeFile(options.json, `${JSON.stringify(report, null, 2)}\n`);
    log(`\nwrote ${options.json}`);
  }
  if (run.cpuProfDir) {
    log(`\nCPU profiles in ${run.cpuProfDir}; summarise with: npm run bench:profile -- ${run.cpuProfDir}`);
  }
  const missed = run.rows.filter((row) => row.result === 'MISS' || row.result === 'error');
  return options.strict && missed.length ? 1 : 0;
}

function calibrationLine(calibration: Calibration): string {
  return (
    `CPU calibration: ${calibration.ms.toFixed(1)} ms (median ${calibration.medianMs.toFixed(1)} ms) for a fixed workload; ` +
    `reference box ${REFERENCE_CALIBRATION_MS} ms, so this box is ${calibration.factor.toFixed(2)}× its time ` +
    '(time targets are scaled by it; ratios are graded as they are)'
  );
}

/** The simulator of a 10,000-employee company, tokens for the direct baseline, and the bare proxy. */
async function startCompany(run: Run): Promise<void> {
  const upstream = await forkChild('bench/upstream-server.ts', {
    BENCH_EMPLOYEES: String(COMPANY_EMPLOYEES),
    BENCH_CREDENTIALS: String(ACCOUNTS),
  });
  onCleanUp(() => upstream.stop());
  run.upstream = upstream;
  run.upstreamTokens = await Promise.all(
    benchCredentials(ACCOUNTS).map((credential) =>
      upstreamToken(upstream.url, credential.clientId, credential.clientSecret),
    ),
  );
  if (run.options.figures.has('proxy')) {
    const [credential] = benchCredentials(1);
    // The bare passthrough, and the stack's floor under the proxy's CPU per call: the same work on Hono.
    for (const which of ['bare', 'floor'] as const) {
      const child = await forkChild(which === 'bare' ? 'bench/bare-proxy.ts' : 'bench/hono-floor-proxy.ts', {
        BENCH_UPSTREAM: upstream.url,
        BENCH_CLIENT_ID: credential!.clientId,
        BENCH_CLIENT_SECRET: credential!.clientSecret,
      });
      onCleanUp(() => child.stop());
      run[which] = child;
    }
  }
}

interface Storage {
  databaseUrl?: string;
  redisUrl?: string;
  dataDir?: string;
}

async function runMode(run: Run, mode: Mode): Promise<void> {
  log(`\n== ${MODE_LABEL[mode]} ==`);
  const servers: RunningServer[] = [];
  const stopServers = () => Promise.all(servers.splice(0).map((server) => server.stop()));
  let storage: Storage;
  try {
    if (mode === 'server') {
      const [postgres, redis] = await Promise.allSettled([startPostgres(), startRedis()]);
      for (const started of [postgres, redis])
        if (started.status === 'fulfilled') servers.push(started.value);
      if (postgres.status === 'rejected') throw postgres.reason;
      if (redis.status === 'rejected') throw redis.reason;
      storage = { databaseUrl: postgres.value.url, redisUrl: redis.value.url };
    } else {
      storage = { dataDir: join(run.workDir, 'embedded') };
      await mkdir(storage.dataDir!, { recursive: true });
    }
  } catch (error) {
    log(`  could not start the servers of this mode: ${(error as Error).message}`);
    run.rows.push(skippedRow(mode, (error as Error).message.split('\n')[0]!));
    await stopServers();
    return;
  }
  onCleanUp(stopServers);
  try {
    const { figures } = run.options;
    if (run.upstream && COMPANY_FIGURES.some((name) => figures.has(name))) {
      await figure(run.rows, mode, 'gateway on the 10k company', () => companyFigures(run, mode, storage));
    }
    if (figures.has('memory')) {
      await figure(run.rows, mode, '5 RSS over a 100k crawl', () => memoryFigures(run, mode, storage));
    }
  } finally {
    await stopServers();
  }
}

/**
 * Figures 1, 2 and 3 on one fresh gateway; then figure 4 on new gateways (an empty token cache) and,
 * for information, figure 2 again on the gateway that has just served that burst of 1,000 connections.
 */
async function companyFigures(run: Run, mode: Mode, storage: Storage): Promise<Row[]> {
  const upstream = run.upstream!;
  const { figures } = run.options;
  const tenant = await seedTenant({
    ...storage,
    encryptionKey: run.encryptionKey,
    personioBaseUrl: `${upstream.url}/v1`,
    accounts: ACCOUNTS,
  });
  const rows: Row[] = [];
  const deploy = async (processes: number, env: Record<string, string> = {}) => {
    const prefix = `bench${++run.deployments}:`;
    return Promise.all(
      Array.from({ length: processes }, () =>
        launchGateway(run, mode, storage, `${upstream.url}/v1`, prefix, env),
      ),
    );
  };
  const contextFor = (gateway: GatewayProcess): FigureContext => ({
    mode,
    gateway,
    tenant,
    upstream,
    options: run.options,
    log,
  });

  if (figures.has('proxy') || figures.has('list') || figures.has('crawl')) {
    const [gateway] = await deploy(1);
    try {
      const context = contextFor(gateway!);
      if (figures.has('proxy')) {
        await figure(rows, mode, '1 proxy throughput', () => proxyFigure(context, run.bare!, run.floor!));
      }
      if (figures.has('list')) {
        await figure(rows, mode, '2 unified list', async () => [
          await listFigure(context, run.upstreamTokens),
        ]);
      }
      if (figures.has('crawl')) await figure(rows, mode, '3 crawl', () => crawlFigure(context));
    } finally {
      await gateway!.stop();
    }
  }

  // Two gateways at once on one database: embedded mode is one process by design, so server mode only.
  if (figures.has('observability') && mode === 'server') {
    const [[on], [off]] = await Promise.all([deploy(1, OBSERVABILITY_ON), deploy(1, OBSERVABILITY_OFF)]);
    try {
      await figure(rows, mode, '7 logs + metrics overhead', () =>
        observabilityFigures(contextFor(on!), off!),
      );
    } finally {
      await Promise.all([on!.stop(), off!.stop()]);
    }
  }

  if (figures.has('tokens')) {
    // Two processes sharing Redis for the token figure; embedded mode is one process by design.
    const gateways = await deploy(mode === 'server' ? 2 : 1);
    try {
      const context = contextFor(gateways[0]!);
      await figure(rows, mode, '4 token exchanges', async () => [await tokensFigure(context, gateways)]);
      for (const extra of gateways.slice(1)) await extra.stop();
      if (figures.has('list')) {
        await figure(rows, mode, '2 unified list after the burst', async () => [
          await listFigure(context, run.upstreamTokens, true),
        ]);
      }
    } finally {
      await Promise.all(gateways.map((gateway) => gateway.stop()));
    }
  }
  return rows;
}

/** Figure 5 on a fresh gateway in front of a simulated company of 100,000 employees. */
async function memoryFigures(run: Run, mode: Mode, storage: Storage): Promise<Row[]> {
  log(`  5 memory: simulator with ${MEMORY_EMPLOYEES.toLocaleString('en-US')} employees`);
  const large = await forkChild('bench/upstream-server.ts', {
    BENCH_EMPLOYEES: String(MEMORY_EMPLOYEES),
    BENCH_CREDENTIALS: '1',
  });
  try {
    const tenant = await seedTenant({
      ...storage,
      encryptionKey: run.encryptionKey,
      personioBaseUrl: `${large.url}/v1`,
      accounts: 1,
    });
    const gateway = await launchGateway(run, mode, storage, `${large.url}/v1`, `bench${++run.deployments}:`);
    try {
      return [await memoryFigure({ mode, gateway, tenant, upstream: large, options: run.options, log })];
    } finally {
      await gateway.stop();
    }
  } finally {
    await large.stop();
  }
}

async function launchGateway(
  run: Run,
  mode: Mode,
  storage: Storage,
  personioBaseUrl: string,
  redisKeyPrefix: string,
  settings: Record<string, string> = {},
): Promise<GatewayProcess> {
  const port = await freePort();
  const env: Record<string, string> = {
    HOST: '127.0.0.1',
    PORT: String(port),
    PERSONIO_BASE_URL: personioBaseUrl,
    ENCRYPTION_KEY: run.encryptionKey,
    // The default pacing (5/s in bursts of 10, Personio's own limit) would measure Personio's budget,
    // not the gateway; the figures run at the highest setting.
    UPSTREAM_RATE_LIMIT_PER_SECOND: '1000',
    UPSTREAM_RATE_LIMIT_BURST: '1000',
    SANDBOX: 'false',
    LOG_LEVEL: 'info',
    ...settings,
  };
  if (storage.databaseUrl) {
    Object.assign(env, {
      DATABASE_URL: storage.databaseUrl,
      REDIS_URL: storage.redisUrl,
      REDIS_KEY_PREFIX: redisKeyPrefix,
    });
  } else {
    env.DATA_DIR = storage.dataDir!;
  }
  const command = run.cpuProfDir ? profiledCommand(run.command, run.cpuProfDir) : run.command;
  const gateway = await startGateway(command, env, join(run.workDir, `gateway-${mode}-${port}.log`));
  onCleanUp(() => gateway.stop());
  return gateway;
}

/** `--cpu-prof` is not allowed in NODE_OPTIONS, so the flags go on the command line of the start command. */
function profiledCommand(command: string, dir: string): string {
  return withNodeFlags(command, `--cpu-prof --cpu-prof-dir=${dir}`);
}

/** Runs one figure; a failure becomes an `error` row and the run goes on. */
async function figure(rows: Row[], mode: Mode, name: string, run: () => Promise<Row[]>): Promise<void> {
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
