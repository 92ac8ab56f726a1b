/**
 * Throwaway PostgreSQL 15 and Redis servers for integration tests.
 *
 * Each server lives in its own temp dir (data, socket, logs), listens on 127.0.0.1 on a free port and is
 * removed again by `stop()`. Set TEST_DATABASE_URL / TEST_REDIS_URL to use existing servers instead.
 * PG_BIN overrides the PostgreSQL binary dir, REDIS_SERVER_BIN the redis-server binary.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { appendFile, chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RunningServer {
  url: string;
  stop(): Promise<void>;
}

/** A server of this harness's own, which a test may take down and bring back (clients reconnect to the same URL). */
export interface RestartableServer extends RunningServer {
  /** Stops the server process, keeping its data and its port for `restart`. */
  halt(): Promise<void>;
  /** Starts it again on the same port, and waits until it answers. */
  restart(): Promise<void>;
}

/** `throwaway`: start a server even when TEST_DATABASE_URL / TEST_REDIS_URL name one (tests that stop it). */
export interface StartOptions {
  throwaway?: boolean;
}

const HOST = '127.0.0.1';
const PG_SUPERUSER = 'postgres';
const PG_OS_USER = 'postgres';
const DEFAULT_PG_BIN = '/usr/lib/postgresql/15/bin';
const START_ATTEMPTS = 3;
const READY_TIMEOUT_MS = 30_000;
const isRoot = process.getuid?.() === 0;
const hasProcfs = existsSync('/proc/self/stat');

// ---------------------------------------------------------------------------------------------------------
// Safety net: if the process exits without teardown (Ctrl-C, crash), still kill servers and remove dirs.

const exitCleanups = new Set<() => void>();

function onProcessExit(cleanup: () => void): () => void {
  if (exitCleanups.size === 0) process.once('exit', runExitCleanups);
  exitCleanups.add(cleanup);
  return () => {
    exitCleanups.delete(cleanup);
    if (exitCleanups.size === 0) process.off('exit', runExitCleanups);
  };
}

function runExitCleanups(): void {
  for (const cleanup of exitCleanups) {
    try {
      cleanup();
    } catch {
      // best effort
    }
  }
  exitCleanups.clear();
}

// ---------------------------------------------------------------------------------------------------------
// Helpers

interface ExecResult {
  code: number | null;
  output: string;
}

/** Environment for child processes: no PG* variables leaking in from the developer's shell. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('PG')) env[key] = value;
  }
  env.LC_ALL = 'C';
  return env;
}

/** Runs a command to completion; as root, PostgreSQL tools run as the `postgres` OS user via runuser. */
function exec(
  cmd: string,
  args: string[],
  opts: { cwd: string; asPostgres?: boolean; timeoutMs?: number },
): Promise<ExecResult> {
  const [file, argv] =
    opts.asPostgres && isRoot ? ['runuser', ['-u', PG_OS_USER, '--', cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { cwd: opts.cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`Could not run ${file}: ${err.message}`, { cause: err }));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

const handedOutPorts = new Set<number>();

/** A port that is free right now on 127.0.0.1 (bind to port 0, close, reuse the number). */
async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.unref();
      server.once('error', reject);
      server.listen(0, HOST, () => {
        const address = server.address();
        const picked = typeof address === 'object' && address ? address.port : 0;
        server.close(() => resolve(picked));
      });
    });
    if (port > 0 && port !== 5432 && !handedOutPorts.has(port)) {
      handedOutPorts.add(port);
      return port;
    }
  }
}

async function logTail(file: string, lines = 25): Promise<string> {
  try {
    const text = await readFile(file, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n') || '(empty log)';
  } catch {
    return '(no log written)';
  }
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A daemon (postmaster) that exited is a zombie until init reaps it, which some inits do lazily.
  if (!hasProcfs) return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2) !== 'Z';
  } catch {
    return false; // reaped in the meantime
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

const PORT_IN_USE = /address already in use|could not bind|could not create any tcp\/ip sockets/i;

// ---------------------------------------------------------------------------------------------------------
// PostgreSQL

function pgTool(name: string): string {
  const dir = process.env.PG_BIN ?? (existsSync(DEFAULT_PG_BIN) ? DEFAULT_PG_BIN : undefined);
  return dir ? join(dir, name) : name;
}

function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number.parseInt(
      readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0] ?? '',
      10,
    );
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function chownToPostgresUser(dir: string): Promise<void> {
  const uid = await exec('id', ['-u', PG_OS_USER], { cwd: dir });
  const gid = await exec('id', ['-g', PG_OS_USER], { cwd: dir });
  if (uid.code !== 0 || gid.code !== 0) {
    throw new Error(
      `Running as root, so PostgreSQL must run as the '${PG_OS_USER}' OS user, but it does not exist.\n` +
        'Create it (apt-get install postgresql-15 does) or set TEST_DATABASE_URL.',
    );
  }
  await chown(dir, Number(uid.output.trim()), Number(gid.output.trim()));
}

export async function startPostgres(options: { throwaway: true }): Promise<RestartableServer>;
export async function startPostgres(options?: StartOptions): Promise<RunningServer>;
export async function startPostgres(options: StartOptions = {}): Promise<RunningServer | RestartableServer> {
  const override = options.throwaway ? undefined : process.env.TEST_DATABASE_URL;
  if (override) return { url: override, stop: async () => {} };

  const dir = await mkdtemp(join(tmpdir(), 'roster-pg-'));
  const dataDir = join(dir, 'data');
  let stopped = false;
  const forgetExitCleanup = onProcessExit(() => {
    const pid = postmasterPid(dataDir);
    if (pid && isAlive(pid)) process.kill(pid, 'SIGQUIT'); // SIGQUIT = immediate shutdown
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  });

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    try {
      const pid = postmasterPid(dataDir);
      if (pid && isAlive(pid)) {
        const args = ['-D', dataDir, 'stop', '-m', 'immediate', '-w', '-t', '30'];
        await exec(pgTool('pg_ctl'), args, { cwd: dir, asPostgres: true }).catch(() => undefined);
        if (!(await waitForExit(pid, 5_000))) {
          process.kill(pid, 'SIGKILL');
          await waitForExit(pid, 5_000);
        }
      }
    } finally {
      forgetExitCleanup();
      await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    }
  };

  try {
    if (isRoot) await chownToPostgresUser(dir);

    const initdbArgs = ['-D', dataDir, '-U', PG_SUPERUSER, '--auth=trust', '--no-sync', '--encoding=UTF8'];
    const init = await exec(pgTool('initdb'), [...initdbArgs, '--locale=C', '--no-instructions'], {
      cwd: dir,
      asPostgres: true,
    });
    if (init.code !== 0) throw new Error(`initdb failed (exit ${init.code}):\n${indent(init.output)}`);

    // Test-only cluster: trade durability for speed. Port is passed per start attempt.
    await appendFile(
      join(dataDir, 'postgresql.conf'),
      [
        '',
        '# roster test harness',
        `listen_addresses = '${HOST}'`,
        `unix_socket_directories = '${dir}'`,
        'fsync = off',
        'synchronous_commit = off',
        'full_page_writes = off',
        'max_connections = 200',
        "timezone = 'UTC'",
        '',
      ].join('\n'),
    );

    const startOn = async (
      port: number,
    ): Promise<{ ok: true } | { ok: false; log: string; error: Error }> => {
      const logFile = join(dir, `postgres-${port}.log`);
      const start = await exec(
        pgTool('pg_ctl'),
        ['-D', dataDir, '-l', logFile, '-w', '-t', '60', '-o', `-p ${port}`, 'start'],
        { cwd: dir, asPostgres: true, timeoutMs: 90_000 },
      );
      if (start.code !== 0) {
        const log = await logTail(logFile);
        const error = new Error(
          `pg_ctl start failed on port ${port} (exit ${start.code}):\n${indent(start.output)}\n` +
            `  server log (${logFile}):\n${indent(log)}`,
        );
        return { ok: false, log, error };
      }
      await waitForPgReady(port, dataDir, logFile);
      return { ok: true };
    };
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const started = await startOn(port);
      if (!started.ok) {
        if (attempt < START_ATTEMPTS && PORT_IN_USE.test(started.log)) continue;
        throw started.error;
      }
      const halt = async () => {
        const pid = postmasterPid(dataDir);
        if (!pid || !isAlive(pid)) return;
        // Fast shutdown: sessions are ended at once, but committed data is kept (an immediate one would
        // lose the last commits, as this cluster runs with synchronous_commit off).
        await exec(pgTool('pg_ctl'), ['-D', dataDir, 'stop', '-m', 'fast', '-w', '-t', '30'], {
          cwd: dir,
          asPostgres: true,
        });
        if (!(await waitForExit(pid, 10_000))) throw new Error(`PostgreSQL (pid ${pid}) did not stop`);
      };
      const restart = async () => {
        const again = await startOn(port);
        if (!again.ok) throw again.error;
      };
      return { url: `postgres://${PG_SUPERUSER}@${HOST}:${port}/postgres`, stop, halt, restart };
    }
  } catch (err) {
    await stop();
    throw new Error(`Could not start test PostgreSQL: ${(err as Error).message}`, { cause: err });
  }
}

async function waitForPgReady(port: number, dataDir: string, logFile: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  const args = ['-h', HOST, '-p', String(port), '-U', PG_SUPERUSER, '-d', 'postgres', '-t', '2'];
  for (;;) {
    const ready = await exec(pgTool('pg_isready'), args, { cwd: dataDir, asPostgres: false });
    if (ready.code === 0) return;
    const pid = postmasterPid(dataDir);
    if (!pid || !isAlive(pid) || Date.now() > deadline) {
      throw new Error(
        `PostgreSQL on port ${port} did not become ready (${ready.output.trim()}).\n` +
          `  server log (${logFile}):\n${indent(await logTail(logFile))}`,
      );
    }
    await sleep(100);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Redis

function redisPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: HOST, port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

export async function startRedis(options: { throwaway: true }): Promise<RestartableServer>;
export async function startRedis(options?: StartOptions): Promise<RunningServer>;
export async function startRedis(options: StartOptions = {}): Promise<RunningServer | RestartableServer> {
  const override = options.throwaway ? undefined : process.env.TEST_REDIS_URL;
  if (override) return { url: override, stop: async () => {} };

  const bin = process.env.REDIS_SERVER_BIN ?? 'redis-server';
  const dir = await mkdtemp(join(tmpdir(), 'roster-redis-'));
  let pid: number | undefined;
  let stopped = false;
  const forgetExitCleanup = onProcessExit(() => {
    if (pid && isAlive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  });

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    try {
      if (pid && isAlive(pid)) {
        process.kill(pid, 'SIGTERM');
        if (!(await waitForExit(pid, 5_000))) {
          process.kill(pid, 'SIGKILL');
          await waitForExit(pid, 5_000);
        }
      }
    } finally {
      forgetExitCleanup();
      await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    }
  };

  /** Runs redis-server on `port`; undefined once it answers PING, else why not (and its log). */
  const startOn = async (
    port: number,
  ): Promise<{ exitInfo: string | undefined; log: string } | undefined> => {
    const logFile = join(dir, `redis-${port}.log`);
    // biome-ignore format: keep flag/value pairs on one line
    const args = [
      '--port', String(port),
      '--bind', HOST,
      '--daemonize', 'no',
      '--save', '',
      '--appendonly', 'no',
      '--dir', dir,
      '--logfile', logFile,
      '--pidfile', join(dir, 'redis.pid'),
    ];
    const child = spawn(bin, args, { cwd: dir, env: childEnv(), stdio: 'ignore' });
    child.unref();
    let exitInfo: string | undefined;
    const spawned = new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (err) => {
        exitInfo = err.message;
        reject(
          new Error(
            `Could not run ${bin}: ${err.message}. Install it (apt-get install redis-server) or set TEST_REDIS_URL.`,
          ),
        );
      });
    });
    child.once('exit', (code, signal) => {
      exitInfo = `exited with ${signal ?? `code ${code}`}`;
    });
    await spawned;
    pid = child.pid;

    const deadline = Date.now() + READY_TIMEOUT_MS;
    let ready = false;
    while (!ready && !exitInfo && Date.now() < deadline) {
      ready = await redisPing(port);
      if (!ready) await sleep(50);
    }
    if (ready) return undefined;
    const log = await logTail(logFile);
    if (pid && isAlive(pid)) child.kill('SIGKILL');
    return { exitInfo, log };
  };
  const failure = (port: number, failed: { exitInfo: string | undefined; log: string }) =>
    new Error(
      `redis-server on port ${port} did not answer PING (${failed.exitInfo ?? 'timed out'}).\n` +
        `  server log:\n${indent(failed.log)}`,
    );

  try {
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const failed = await startOn(port);
      if (failed) {
        if (failed.exitInfo && attempt < START_ATTEMPTS && PORT_IN_USE.test(failed.log)) continue;
        throw failure(port, failed);
      }
      const halt = async () => {
        if (!pid || !isAlive(pid)) return;
        process.kill(pid, 'SIGKILL');
        if (!(await waitForExit(pid, 10_000))) throw new Error(`redis-server (pid ${pid}) did not stop`);
      };
      const restart = async () => {
        const again = await startOn(port);
        if (again) throw failure(port, again);
      };
      return { url: `redis://${HOST}:${port}`, stop, halt, restart };
    }
  } catch (err) {
    await stop();
    throw new Error(`Could not start test Redis: ${(err as Error).message}`, { cause: err });
  }
}
