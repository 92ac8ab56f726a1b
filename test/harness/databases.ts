/**
 * Per-suite isolation on the shared test servers: a fresh, uniquely named PostgreSQL database and a unique
 * Redis key prefix. Never share a mutable seed between suites.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

export interface TestDatabase {
  /** Connection URL for the new database (same server and credentials as the admin URL). */
  url: string;
  /** Terminates all connections to the database and drops it. Safe to call more than once. */
  drop(): Promise<void>;
}

/**
 * How long the suites' own connections may take to open. The gateway's default (DATABASE_CONNECT_TIMEOUT_MS,
 * 1 s) is for failing fast in an outage; a loaded CI machine can take longer than that to accept a connection
 * to a healthy server, and suites that test outages set their own.
 */
export const TEST_CONNECT_TIMEOUT_MS = 10_000;

function adminConnection(adminUrl: string) {
  return postgres(adminUrl, { max: 1, onnotice: () => {}, connect_timeout: TEST_CONNECT_TIMEOUT_MS / 1000 });
}

export async function createTestDatabase(adminUrl: string): Promise<TestDatabase> {
  const name = `roster_t_${randomBytes(6).toString('hex')}`;
  const admin = adminConnection(adminUrl);
  try {
    await admin`create database ${admin(name)}`;
  } finally {
    await admin.end({ timeout: 5 });
  }

  const url = new URL(adminUrl);
  url.pathname = `/${name}`;

  let dropped = false;
  return {
    url: url.toString(),
    async drop() {
      if (dropped) return;
      dropped = true;
      const sql = adminConnection(adminUrl);
      try {
        await sql`
          select pg_terminate_backend(pid) from pg_stat_activity
          where datname = ${name} and pid <> pg_backend_pid()
        `;
        await sql`drop database if exists ${sql(name)} with (force)`;
      } finally {
        await sql.end({ timeout: 5 });
      }
    },
  };
}

/** A unique Redis key prefix for one suite, e.g. `t3f9a0c1b2d4e:`. */
export function redisKeyPrefix(): string {
  return `t${randomBytes(6).toString('hex')}:`;
}
