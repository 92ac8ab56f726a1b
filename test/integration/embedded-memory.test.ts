import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { connectPglite } from '../../src/db/connect';

/**
 * PostgreSQL's default 128 MB buffer pool was most of an idle embedded gateway's memory; embedded
 * databases run with a smaller one, whether created from the template, by initdb, or in memory.
 */
describe('embedded database memory', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it.each([
    ['from the prebuilt template', undefined],
    ['created by initdb', null],
  ] as const)('runs %s with a shared buffer pool of 24 MB', async (_, templatePath) => {
    const dir = await mkdtemp(join(tmpdir(), 'roster-embedded-memory-'));
    dirs.push(dir);
    const handle = await connectPglite(join(dir, 'pglite'), { templatePath });
    try {
      const result = (await handle.db.execute(sql`show shared_buffers`)) as unknown as {
        rows: { shared_buffers: string }[];
      };
      expect(result.rows[0]!.shared_buffers).toBe('24MB');
    } finally {
      await handle.close();
    }
  });
});
