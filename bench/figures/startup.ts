import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../test/support/processes';
import { type Calibration, scaledTarget } from '../lib/calibration';
import type { BenchOptions } from '../lib/options';
import { ROOT, spawnStartCommand, stopGroup } from '../lib/processes';
import { median } from '../lib/stats';
import { type Row, ratio, seconds } from '../lib/table';

/** First 200 on a new DATA_DIR, on the reference box (see `REFERENCE_CALIBRATION_MS`). */
export const FIRST_START_TARGET_MS = 3000;
/** First 200 on a restart, on the reference box. */
export const WARM_START_TARGET_MS = 2000;

interface Startup {
  firstOkMs: number;
  readyLineMs: number;
  internalReadyMs: number;
  /** CPU (user + system) of the gateway's process group up to the first 200: less swayed by load than wall time. */
  cpuMs: number;
}

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/** User + system CPU of every live process in process group `group` (Linux /proc). */
function groupCpuMs(group: number): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === group) ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // ended meanwhile
    }
  }
  return (ticks * 1000) / USER_HZ;
}

/**
 * From spawn to the first 200 of `GET /unified/hris/employees?limit=1` with the sandbox key, on
 * embedded defaults (no settings but PORT and DATA_DIR). Polls every 10 ms.
 */
async function measureStartup(
  command: string,
  dataDir: string,
  logFile: string,
  env: Record<string, string>,
): Promise<Startup> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const { child, output } = spawnStartCommand(
    command,
    { ...env, PORT: String(port), DATA_DIR: dataDir },
    logFile,
  );
  try {
    let apiKey: string | undefined;
    let linkedAccountId: string | undefined;
    let readyLineMs = Number.NaN;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the gateway exited (${child.exitCode}):\n${output()}`);
      if (performance.now() - started > 120_000) throw new Error(`no 200 within 120 s:\n${output()}`);
      if (Number.isNaN(readyLineMs) && /Ready in \d+ ms/.test(output()))
        readyLineMs = performance.now() - started;
      if (!apiKey && existsSync(join(dataDir, 'sandbox.json'))) {
        try {
          const seed = JSON.parse(await readFile(join(dataDir, 'sandbox.json'), 'utf8'));
          apiKey = seed.api_key;
          linkedAccountId = seed.linked_account_id;
        } catch {
          // being written
        }
      }
      if (apiKey) {
        const ok = await fetch(`${base}/unified/hris/employees?limit=1`, {
          headers: { authorization: `Bearer ${apiKey}`, 'x-linked-account-id': linkedAccountId! },
          signal: AbortSignal.timeout(10_000),
        }).then(
          async (response) => {
            await response.arrayBuffer();
            return response.status === 200;
          },
          () => false,
        );
        if (ok) {
          const firstOkMs = performance.now() - started;
          const cpuMs = groupCpuMs(child.pid!);
          if (Number.isNaN(readyLineMs)) readyLineMs = firstOkMs;
          const internal = Number(/Ready in (\d+) ms/.exec(output())?.[1] ?? Number.NaN);
          return { firstOkMs, readyLineMs, internalReadyMs: internal, cpuMs };
        }
      }
      await sleep(10);
    }
  } finally {
    await stopGroup(child);
  }
}

/** Where the gateway looks for the prebuilt PGlite template (see src/db/pglite-template.mjs). */
const TEMPLATE_DIR_ENV = 'ROSTER_PGLITE_TEMPLATE_DIR';

/**
 * What `npm ci` does after installing: the root package's `postinstall` script, from package.json,
 * run the way npm runs it, but with the template under `templateDir` instead of node_modules/.cache,
 * so the figure neither depends on nor changes the state of this checkout's node_modules.
 */
async function runPostinstall(templateDir: string, log: (line: string) => void): Promise<void> {
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: { postinstall?: string };
  };
  const script = pkg.scripts.postinstall;
  if (!script) {
    log('    package.json has no postinstall script: nothing prepared at install time');
    return;
  }
  const started = performance.now();
  const child = spawn('/bin/sh', ['-c', script], {
    cwd: ROOT,
    env: {
      ...process.env,
      PATH: `${join(ROOT, 'node_modules/.bin')}:${process.env.PATH ?? ''}`,
      [TEMPLATE_DIR_ENV]: templateDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`postinstall (\`${script}\`) exited with ${code}:\n${output}`);
  log(
    `    install step (\`${script}\`, once per \`npm ci\`): ${seconds(performance.now() - started)}; ${output.trim()}`,
  );
}

/**
 * Figure 6: embedded start-up, cold (a new DATA_DIR: the database is created, from the template
 * `npm ci` prepared when there is one, migrations run, the sandbox is seeded) and warm (a restart on
 * that DATA_DIR, the normal case), by the command `npm start` runs; plus a warm restart through
 * `npm start` itself, which adds npm's own start-up, and a first start without the template (as
 * after `npm ci --ignore-scripts`), where PGlite runs initdb.
 */
export async function startupFigure(
  options: BenchOptions,
  command: string,
  workDir: string,
  log: (line: string) => void,
  calibration?: Calibration,
): Promise<Row[]> {
  const rows: Row[] = [];
  const dataDir = (run: number) => join(workDir, `startup-${run}`);
  const logFile = join(workDir, 'startup.log');
  // As after `npm ci`: the install step has run; the gateway finds its template.
  const installed = { [TEMPLATE_DIR_ENV]: join(workDir, 'pglite-template') };
  // As after `npm ci --ignore-scripts`: no template.
  const noTemplate = { [TEMPLATE_DIR_ENV]: join(workDir, 'no-pglite-template') };
  const measure = async (
    label: string,
    commandLine: string,
    dirFor: (run: number) => string,
    env: Record<string, string> = installed,
  ) => {
    const runs: Startup[] = [];
    for (let run = 0; run < options.repeats; run++) {
      await mkdir(dirFor(run), { recursive: true });
      const startup = await measureStartup(commandLine, dirFor(run), logFile, env);
      runs.push(startup);
      log(
        `    ${label} ${run + 1}/${options.repeats}: first 200 after ${seconds(startup.firstOkMs)} ` +
          `(\`Ready\` printed after ${seconds(startup.readyLineMs)}; main() reports ${startup.internalReadyMs} ms; ` +
          `${seconds(startup.cpuMs)} CPU)`,
      );
    }
    return {
      firstOk: median(runs.map((run) => run.firstOkMs)),
      ready: median(runs.map((run) => run.readyLineMs)),
      internal: median(runs.map((run) => run.internalReadyMs)),
      cpu: median(runs.map((run) => run.cpuMs)),
    };
  };
  const row = (
    figure: string,
    commandLine: string,
    result: { firstOk: number; ready: number; internal: number; cpu: number },
    targetMs: number,
    info = false,
  ): Row => {
    // Graded as a ratio to the target scaled to this box's calibration, so a slower box is not failed
    // for being slower, and a faster one is not let off.
    const target = scaledTarget(targetMs, calibration);
    const share = result.firstOk / target;
    return {
      figure,
      mode: 'embedded',
      gateway: `first 200 after ${seconds(result.firstOk)} (listening after ${seconds(result.ready)}, ${Math.round(result.internal)} ms of it in main(); ${seconds(result.cpu)} CPU)`,
      baseline: `\`${commandLine}\`; target ${seconds(targetMs)} × calibration ${ratio(target / targetMs)} = ${seconds(target)}`,
      ratio: ratio(share),
      target: '< 1.00×',
      result: info ? 'info' : share < 1 ? 'pass' : 'MISS',
    };
  };

  log(
    `  6 start-up: the install step, ${options.repeats} cold starts, ${options.repeats} warm restarts, ` +
      `then ${options.repeats} cold starts without the install step`,
  );
  await runPostinstall(installed[TEMPLATE_DIR_ENV], log);
  const cold = await measure('cold', command, dataDir);
  const warm = await measure('warm', command, () => dataDir(0));
  const viaNpm = await measure('warm, npm start', 'npm start --silent', () => dataDir(0));
  const bare = await measure(
    'cold, no template',
    command,
    (run) => join(workDir, `startup-no-template-${run}`),
    noTemplate,
  );
  rows.push(row('6 start-up, warm restart', command, warm, WARM_START_TARGET_MS));
  rows.push(row('6 start-up, first start (new DATA_DIR)', command, cold, FIRST_START_TARGET_MS));
  rows.push(row('6 start-up, warm restart via npm', 'npm start', viaNpm, WARM_START_TARGET_MS, true));
  rows.push(
    row(
      '6 start-up, first start without the install step (initdb)',
      command,
      bare,
      FIRST_START_TARGET_MS,
      true,
    ),
  );
  return rows;
}
