import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What the PostgreSQL + Redis mode needs on this machine, checked before anything starts, so a
 * missing server is a clear message and a skipped mode rather than a stack trace halfway through.
 * TEST_DATABASE_URL / TEST_REDIS_URL (as for `npm test`) point at running servers instead.
 */
export function missingServerPrerequisites(): string[] {
  const missing: string[] = [];
  if (!process.env.TEST_DATABASE_URL) {
    const pgBin = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
    const initdb = existsSync(join(pgBin, 'initdb')) || onPath('initdb');
    if (!initdb) {
      missing.push(
        `PostgreSQL 15 server binaries (initdb, pg_ctl) not found in ${pgBin} or on PATH: ` +
          '`apt-get install -y postgresql-15`, set PG_BIN, or set TEST_DATABASE_URL to a running server',
      );
    } else if (process.getuid?.() === 0 && spawnSync('id', ['-u', 'postgres']).status !== 0) {
      missing.push(
        "running as root, PostgreSQL must run as the 'postgres' OS user, which does not exist: " +
          '`apt-get install -y postgresql-15` creates it, or set TEST_DATABASE_URL',
      );
    }
  }
  if (!process.env.TEST_REDIS_URL && !onPath(process.env.REDIS_SERVER_BIN ?? 'redis-server')) {
    missing.push(
      'redis-server not found: `apt-get install -y redis-server`, or set TEST_REDIS_URL to a running Redis',
    );
  }
  return missing;
}

function onPath(command: string): boolean {
  if (command.includes('/')) return existsSync(command);
  return (process.env.PATH ?? '').split(':').some((dir) => dir && existsSync(join(dir, command)));
}
