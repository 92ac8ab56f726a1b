import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../test/support/processes';
import type { BenchOptions } from '../lib/options';
import { spawnStartCommand, stopGroup } from '../lib/processes';
import { median } from '../lib/stats';
import { type Row, seconds } from '../lib/table';

export const STARTUP_TARGET_MS = 3000;

interface Startup {
  firstOkMs: number;
  readyLineMs: number;
  internalReadyMs: number;
}

/**
 * From spawn to the first 200 of `GET /unified/hris/employees?limit=1` with the sandbox key, on
 * embedded defaults (no settings but PORT and DATA_DIR). Polls every 10 ms.
 */
async function measureStartup(command: string, dataDir: string, logFile: string): Promise<Startup> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const { child, output } = spawnStartCommand(command, { PORT: String(port), DATA_DIR: dataDir }, logFile);
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
          if (Number.isNaN(readyLineMs)) readyLineMs = firstOkMs;
          const internal = Number(/Ready in (\d+) ms/.exec(output())?.[1] ?? Number.NaN);
          return { firstOkMs, readyLineMs, internalReadyMs: internal };
        }
      }
      await sleep(10);
    }
  } finally {
    await stopGroup(child);
  }
}

/**
 * Figure 6: embedded start-up, cold (a new DATA_DIR: PGlite creates its database, migrations run,
 * the sandbox is seeded) and warm (a restart on that DATA_DIR, the normal case), by the command
 * `npm start` runs; plus a warm restart through `npm start` itself, which adds npm's own start-up.
 */
export async function startupFigure(
  options: BenchOptions,
  command: string,
  workDir: string,
  log: (line: string) => void,
): Promise<Row[]> {
  const rows: Row[] = [];
  const dataDir = (run: number) => join(workDir, `startup-${run}`);
  const logFile = join(workDir, 'startup.log');
  const measure = async (label: string, commandLine: string, dirFor: (run: number) => string) => {
    const runs: Startup[] = [];
    for (let run = 0; run < options.repeats; run++) {
      await mkdir(dirFor(run), { recursive: true });
      const startup = await measureStartup(commandLine, dirFor(run), logFile);
      runs.push(startup);
      log(
        `    ${label} ${run + 1}/${options.repeats}: first 200 after ${seconds(startup.firstOkMs)} ` +
          `(\`Ready\` printed after ${seconds(startup.readyLineMs)}; main() reports ${startup.internalReadyMs} ms)`,
      );
    }
    return {
      firstOk: median(runs.map((run) => run.firstOkMs)),
      ready: median(runs.map((run) => run.readyLineMs)),
      internal: median(runs.map((run) => run.internalReadyMs)),
    };
  };
  const row = (
    figure: string,
    commandLine: string,
    result: { firstOk: number; ready: number; internal: number },
    info = false,
  ): Row => ({
    figure,
    mode: 'embedded',
    gateway: `first 200 after ${seconds(result.firstOk)} (listening after ${seconds(result.ready)}, ${Math.round(result.internal)} ms of it in main())`,
    baseline: `\`${commandLine}\``,
    ratio: '',
    target: `< ${seconds(STARTUP_TARGET_MS)}`,
    result: info ? 'info' : result.firstOk < STARTUP_TARGET_MS ? 'pass' : 'MISS',
  });

  log(`  6 start-up: ${options.repeats} cold starts, then ${options.repeats} warm restarts`);
  const cold = await measure('cold', command, dataDir);
  const warm = await measure('warm', command, () => dataDir(0));
  const viaNpm = await measure('warm, npm start', 'npm start --silent', () => dataDir(0));
  rows.push(row('6 start-up, warm restart', command, warm));
  rows.push(row('6 start-up, first start (new DATA_DIR)', command, cold));
  rows.push(row('6 start-up, warm restart via npm', 'npm start', viaNpm, true));
  return rows;
}
