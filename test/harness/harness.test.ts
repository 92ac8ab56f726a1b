import { Redis } from 'ioredis';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, redisKeyPrefix, type TestDatabase } from './databases';

describe('test harness: PostgreSQL', () => {
  let db: TestDatabase;
  let sql: postgres.Sql;

  beforeAll(async () => {
    db = await createTestDatabase(inject('databaseUrl'));
    sql = postgres(db.url, { max: 2, onnotice: () => {} });
  });

  afterAll(async () => {
    await sql?.end({ timeout: 5 });
    await db?.drop();
  });

  it('connects to a fresh PostgreSQL 15 database of its own', async () => {
    const [row] = await sql<{ version: string; db: string }[]>`
      select version() as version, current_database() as db
    `;
    expect(row?.version).toContain('PostgreSQL 15');
    expect(row?.db).toMatch(/^roster_t_[0-9a-f]+$/);

    const tables = await sql`select 1 from pg_tables where schemaname = 'public'`;
    expect(tables).toHaveLength(0);
  });

  it('creates a table, inserts and reads back', async () => {
    await sql`create table harness_people (id serial primary key, name text not null)`;
    await sql`insert into harness_people ${sql([{ name: 'Ada' }, { name: 'Grace' }])}`;
    const rows = await sql<{ id: number; name: string }[]>`select id, name from harness_people order by id`;
    expect(rows.map((r) => r.name)).toEqual(['Ada', 'Grace']);
    expect(rows.map((r) => r.id)).toEqual([1, 2]);
  });

  it('isolates databases and drops them with open connections', async () => {
    const other = await createTestDatabase(inject('databaseUrl'));
    expect(other.url).not.toBe(db.url);
    const otherSql = postgres(other.url, { max: 1, onnotice: () => {} });
    try {
      const [row] = await otherSql<{ t: string | null }[]>`select to_regclass('harness_people')::text as t`;
      expect(row?.t).toBeNull();
    } finally {
      // drop() must succeed even while a connection is still open.
      await other.drop();
      await otherSql.end({ timeout: 1 }).catch(() => {});
    }

    const admin = postgres(inject('databaseUrl'), { max: 1, onnotice: () => {} });
    try {
      const name = new URL(other.url).pathname.slice(1);
      const found = await admin`select 1 from pg_database where datname = ${name}`;
      expect(found).toHaveLength(0);
    } finally {
      await admin.end({ timeout: 5 });
    }
  });
});

describe('test harness: Redis', () => {
  let redis: Redis;
  const prefix = redisKeyPrefix();

  beforeAll(() => {
    redis = new Redis(inject('redisUrl'), { keyPrefix: prefix, lazyConnect: true, maxRetriesPerRequest: 1 });
    return redis.connect();
  });

  afterAll(async () => {
    if (!redis) return;
    await redis.del('greeting');
    await redis.quit();
  });

  it('uses a unique key prefix per suite', () => {
    expect(prefix).toMatch(/^t[0-9a-f]+:$/);
    expect(redisKeyPrefix()).not.toBe(prefix);
  });

  it('SETs and GETs a prefixed key', async () => {
    expect(await redis.set('greeting', 'hello')).toBe('OK');
    expect(await redis.get('greeting')).toBe('hello');
    // The key really is stored under the prefix (checked with a client that has no keyPrefix).
    const raw = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1 });
    try {
      expect(await raw.get(`${prefix}greeting`)).toBe('hello');
    } finally {
      await raw.quit();
    }
  });

  it('talks to a real redis-server', async () => {
    const info = await redis.info('server');
    expect(info).toMatch(/^redis_version:\d+\.\d+/m);
  });
});
