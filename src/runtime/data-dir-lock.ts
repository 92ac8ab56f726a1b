import { randomUUID } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { sleep } from '../lib/sleep';

/**
 * Embedded PGlite is one database per process: a second process on the same data directory (the admin CLI
 * next to a running gateway) keeps its own copy of the pages, and whichever closes last overwrites the
 * other's writes. So every process that opens the embedded database first takes this lock file, which names
 * its PID; a lock whose process is gone (killed, crashed) is taken over.
 */

export const LOCK_FILE = 'roster.lock';

/** An unreadable takeover file older than this was left by a process that died while writing it. */
const TAKEOVER_STALE_MS = 5_000;

/** What the lock file holds. */
export interface LockHolder {
  pid: number;
  /** The process's start time in clock ticks since boot (Linux), so a reused PID is not taken for it. */
  process_start: string | null;
  role: LockRole;
  started_at: string;
  token: string;
}

export type LockRole = 'gateway' | 'admin CLI';

export interface DataDirLock {
  path: string;
  release(): Promise<void>;
}

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
  ) {
    super(
      `The embedded database in ${dataDir} is in use by ${holder.role === 'gateway' ? 'a running gateway' : 'the admin CLI'} ` +
        `(PID ${holder.pid}, since ${holder.started_at}). It admits one process at a time, and a second one ` +
        `would lose writes. Stop that process first (kill ${holder.pid}; a gateway stops cleanly on SIGTERM), or ` +
        'make the change through the running gateway’s HTTP API.',
    );
    this.name = 'DataDirLockedError';
  }
}

/** Takes the data directory's lock for this process, or throws `DataDirLockedError` naming the holder. */
export async function lockDataDir(dataDir: string, role: LockRole): Promise<DataDirLock> {
  const path = join(dataDir, LOCK_FILE);
  const holder: LockHolder = {
    pid: process.pid,
    process_start: processStart(process.pid),
    role,
    started_at: new Date().toISOString(),
    token: randomUUID(),
  };
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      // `wx`: created only if absent, atomically, so two processes cannot both create it.
      const file = await open(path, 'wx', 0o600);
      try {
        await file.writeFile(`${JSON.stringify(holder)}\n`);
      } finally {
        await file.close();
      }
      return lockOf(path, holder.token);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const current = await readHolder(path);
    if (current === 'missing') continue;
    if (current === 'unreadable') {
      // Another process is between creating the file and writing it; look again shortly.
      await sleep(50 * (attempt + 1));
      if ((await readHolder(path)) !== 'unreadable') continue;
    } else if (isRunning(current)) {
      throw new DataDirLockedError(dataDir, current);
    }
    // The holder is gone without releasing it (killed, crashed): take it over.
    await removeStaleLock(path, current, holder);
  }
  throw new Error(`Could not take the lock ${path}; another process keeps changing it.`);
}

/**
 * Removes a lock file whose holder is gone, if it is still that holder's. Two starters may both find the same
 * stale lock: were each to unlink it, the later one could unlink the lock the earlier one has just created.
 * So whoever removes the lock file first takes `<lock>.takeover` (created exclusively), reads the lock again
 * under it and removes it only when it still names the dead holder. While the stale file stands nobody can
 * create a new one, and nobody else can remove it, so the check and the removal cannot be split.
 */
async function removeStaleLock(path: string, stale: LockHolder | 'unreadable', self: LockHolder) {
  const takeover = `${path}.takeover`;
  let file: Awaited<ReturnType<typeof open>>;
  try {
    file = await open(takeover, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const other = await readHolder(takeover);
    // A takeover is a few file operations long; one whose process is gone was cut off mid-way, and so was one
    // still unwritten after seconds (its process died between creating and writing it).
    const abandoned =
      other === 'unreadable'
        ? Date.now() -
            (await stat(takeover).then(
              (file) => file.mtimeMs,
              () => Date.now(),
            )) >
          TAKEOVER_STALE_MS
        : other !== 'missing' && !isRunning(other);
    if (abandoned) {
      await unlink(takeover).catch(() => {});
    } else {
      await sleep(20);
    }
    return;
  }
  try {
    await file.writeFile(`${JSON.stringify(self)}\n`);
    await file.close();
    const now = await readHolder(path);
    const same =
      now === 'unreadable'
        ? stale === 'unreadable'
        : now !== 'missing' && stale !== 'unreadable' && now.token === stale.token;
    if (same) {
      await unlink(path).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
    }
  } finally {
    await unlink(takeover).catch(() => {});
  }
}

function lockOf(path: string, token: string): DataDirLock {
  const ours = () => {
    try {
      return (JSON.parse(readFileSync(path, 'utf8')) as LockHolder).token === token;
    } catch {
      return false;
    }
  };
  // A process that exits without closing the runtime (a start-up error) still leaves no lock behind.
  const onExit = () => {
    if (ours()) unlinkSync(path);
  };
  process.once('exit', onExit);
  return {
    path,
    async release() {
      process.removeListener('exit', onExit);
      if (ours()) await unlink(path).catch(() => {});
    },
  };
}

async function readHolder(path: string): Promise<LockHolder | 'missing' | 'unreadable'> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
  try {
    const holder = JSON.parse(text) as LockHolder;
    return Number.isInteger(holder.pid) && holder.pid > 0 ? holder : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

/** Is the lock's process still running (and the same process, where the start time tells)? */
function isRunning(holder: LockHolder): boolean {
  const start = processStart(holder.pid);
  if (holder.process_start !== null && start !== null) return start === holder.process_start;
  // This process cannot have taken the lock before it started: an earlier one with its PID did (containers).
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Field 22 of /proc/<pid>/stat (after the parenthesised command name, which may hold spaces); null elsewhere. */
function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}
