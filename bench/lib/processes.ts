import { type ChildProcess, fork, spawn, spawnSync } from 'node:child_process';
import { closeSync, fstatSync, openSync, readdirSync, readFileSync, readlinkSync, readSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A bench helper process (simulator, bare proxy) run with tsx, talking over IPC. */
export interface Child {
  port: number;
  url: string;
  pid: number;
  call<Result>(command: object): Promise<Result>;
  stop(): Promise<void>;
}

export async function forkChild(script: string, env: Record<string, string>): Promise<Child> {
  const child = fork(join(ROOT, script), [], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 1;
  const pending = new Map<number, (result: unknown) => void>();
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before it was ready`)));
    child.on('message', (message: { type?: string; port?: number; id?: number; result?: unknown }) => {
      if (message.type === 'ready') resolve(message.port!);
      else if (message.id !== undefined) {
        pending.get(message.id)?.(message.result);
        pending.delete(message.id);
      }
    });
  });
  child.removeAllListeners('exit');
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    call<Result>(command: object) {
      const id = nextId++;
      return new Promise<Result>((resolve) => {
        pending.set(id, resolve as (result: unknown) => void);
        child.send({ id, command });
      });
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A gateway process: its own process group, output to a log file, stopped by group id. */
export interface GatewayProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** Milliseconds from spawn until the process printed `Ready in`. */
  readyAfterMs: number;
  /** The node process that owns the listening socket (under `tsx` the group holds more than one). */
  serverPid(): number;
  rssBytes(): number;
  stop(): Promise<void>;
}

/**
 * The command `npm start` runs, from package.json, run the way npm runs it (a shell with
 * node_modules/.bin on PATH) but without npm itself, whose own start-up is not the gateway's.
 */
export async function startCommand(): Promise<string> {
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  return pkg.scripts.start;
}

/** Settings of the bench's own shell that must not leak into a gateway (it gets exactly what a figure sets). */
const GATEWAY_SETTINGS =
  /^(HOST|PORT|PUBLIC_URL|DATABASE_URL|REDIS_URL|REDIS_KEY_PREFIX|ENCRYPTION_KEYS?(_PREVIOUS)?|DATA_DIR|PERSONIO_\w+|UPSTREAM_\w+|SANDBOX\w*|LOG_LEVEL|NODE_OPTIONS|REQUEST_LOGS|REQUEST_LOG_\w+|METRICS_TOKEN)$/;

export function spawnStartCommand(
  command: string,
  env: Record<string, string>,
  logFile: string,
): { child: ChildProcess; output: () => string } {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !GATEWAY_SETTINGS.test(name)),
  );
  // Output goes straight to a file: through a pipe, the gateway's synchronous log writes would wait
  // for this process (busy generating load) to read them, and the bare proxy logs nothing.
  const log = openSync(logFile, 'a');
  const offset = fstatSync(log).size;
  const child = spawn('/bin/sh', ['-c', command], {
    cwd: ROOT,
    env: {
      ...inherited,
      PATH: `${join(ROOT, 'node_modules/.bin')}:${process.env.PATH ?? ''}`,
      ...env,
    },
    stdio: ['ignore', log, log],
    detached: true,
  });
  closeSync(log);
  // The start of this process's output (where `Ready in` and the sandbox key are printed).
  const output = () => {
    const fd = openSync(logFile, 'r');
    try {
      const buffer = Buffer.alloc(16 * 1024);
      const read = readSync(fd, buffer, 0, buffer.length, offset);
      return buffer.subarray(0, read).toString();
    } finally {
      closeSync(fd);
    }
  };
  return { child, output };
}

export async function startGateway(
  command: string,
  env: Record<string, string>,
  logFile: string,
  options: { timeoutMs?: number } = {},
): Promise<GatewayProcess> {
  const port = Number(env.PORT);
  const started = performance.now();
  const { child, output } = spawnStartCommand(command, env, logFile);
  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  while (!/Ready in \d+ ms/.test(output())) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stopGroup(child);
      throw new Error(`the gateway did not start (exit ${child.exitCode}); see ${logFile}:\n${output()}`);
    }
    await sleep(10);
  }
  const readyAfterMs = performance.now() - started;
  let pid: number | undefined;
  const serverPid = () => {
    pid ??= pidListeningOn(port, descendants(child.pid!));
    return pid;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    child,
    readyAfterMs,
    serverPid,
    rssBytes: () => rssOf(serverPid()),
    stop: () => stopGroup(child),
  };
}

export async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }, 8000);
  await exited;
  clearTimeout(timer);
  // The shell may exit before its node children; wait until the whole group is gone.
  for (let waited = 0; waited < 8000 && groupAlive(child.pid); waited += 50) await sleep(50);
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The process and all its descendants, from /proc. */
export function descendants(root: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const children = parents.get(ppid) ?? [];
      children.push(Number(entry));
      parents.set(ppid, children);
    } catch {
      // exited while listing
    }
  }
  const all = [root];
  for (let index = 0; index < all.length; index++) all.push(...(parents.get(all[index]!) ?? []));
  return all;
}

/** Which of `pids` holds the listening TCP socket on `port` (/proc/net/tcp inode → /proc/PID/fd). */
export function pidListeningOn(port: number, pids: number[]): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is HEX_IP:HEX_PORT; state 0A is LISTEN.
      if (fields[1]?.endsWith(`:${hexPort}`) && fields[3] === '0A') inodes.add(fields[9]!);
    }
  }
  for (const pid of pids) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
        if (inode && inodes.has(inode)) return pid;
      } catch {
        // fd closed meanwhile
      }
    }
  }
  throw new Error(`no process of ${pids.join(', ')} listens on port ${port}`);
}

/** Resident set size of one process, from /proc/PID/status. */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? Number.NaN);
  return kib * 1024;
}

let ticksPerSecond: number | undefined;

/** CPU time (user + system) a process has used so far, in milliseconds, from /proc/PID/stat. */
export function cpuTimeMs(pid: number): number {
  if (ticksPerSecond === undefined) {
    const getconf = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    ticksPerSecond = Number(getconf.stdout.trim()) || 100;
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the command name: state is field 3, utime field 14, stime field 15 (1-based, man 5 proc).
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks / ticksPerSecond) * 1000;
}

/**
 * `command` (the start command, `exec [env K=V …] node …`) with node `flags` added before the script: V8 flags
 * such as `--cpu-prof` or `--trace-gc` are refused in NODE_OPTIONS.
 */
export function withNodeFlags(command: string, flags: string): string {
  // After the start command's own node flags, so a flag given here overrides one of them (`--v8-pool-size`).
  const match = /^((?:exec )?(?:env (?:\S+=\S+ )+)?node (?:--\S+ )*)/.exec(command);
  if (match) return `${match[1]}${flags} ${command.slice(match[1]!.length)}`;
  if (command.startsWith('tsx ')) return `node ${flags} --import tsx ${command.slice(4)}`;
  throw new Error(`cannot add node flags to the start command \`${command}\``);
}
