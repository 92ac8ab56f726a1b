import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../lib/logger';
import { connectPglite } from './connect';
import { copyTree, seedFromTemplate } from './pglite-seed';
import {
  migrationsKey,
  PGLITE_TEMPLATE_DIR_ENV,
  pgliteSchemaTemplatePath,
  pgliteTemplatePath,
  pgliteTemplateRoot,
  pgliteVersion,
} from './pglite-template.mjs';
import { environments } from './schema';

const SCRIPT = fileURLToPath(new URL('../../scripts/pglite-template.mjs', import.meta.url));
const run = promisify(execFile);

function spyLogger() {
  const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
  const messages = () =>
    [...logger.info.mock.calls, ...logger.warn.mock.calls].map(([message]) => message as string);
  return { logger: logger satisfies Logger, messages };
}

/** Migrations ran and the real schema works: a row in and out through drizzle. */
async function expectWorkingSchema(handle: Awaited<ReturnType<typeof connectPglite>>, id: string) {
  await handle.db.insert(environments).values({ id, name: 'Template test', mode: 'test' });
  const rows = await handle.db.select().from(environments).where(eq(environments.id, id));
  expect(rows).toEqual([expect.objectContaining({ id, name: 'Template test', mode: 'test' })]);
}

/** Whether the cluster in `handle` descends from the marked template. */
async function fromMarkedTemplate(handle: Awaited<ReturnType<typeof connectPglite>>): Promise<boolean> {
  const result = (await handle.db.execute(
    "select to_regclass('public.template_marker') is not null as marked",
  )) as unknown as { rows: { marked: boolean }[] };
  return result.rows[0]!.marked;
}

describe('PGlite template', { timeout: 120_000 }, () => {
  let work: string;
  let root: string;
  let template: string;
  let buildOutput: string;
  let templateInode: number;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'roster-pglite-template-'));
    root = join(work, 'cache');
    // The postinstall script itself, with plain Node, into a temporary root.
    const { stdout } = await run(process.execPath, [SCRIPT], {
      env: { ...process.env, [PGLITE_TEMPLATE_DIR_ENV]: root },
    });
    buildOutput = stdout;
    template = pgliteTemplatePath(root);
    // Mark the template, so a data directory made from it can be told apart from one PGlite created.
    const client = await PGlite.create({ dataDir: template });
    await client.exec('create table template_marker (id int)');
    await client.close();
    templateInode = (await stat(template)).ino;
  });

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('is built per PGlite version, under ROSTER_PGLITE_TEMPLATE_DIR or node_modules/.cache/roster', async () => {
    const manifest = JSON.parse(
      await readFile(
        fileURLToPath(new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url)),
        'utf8',
      ),
    ) as { version: string };
    expect(pgliteVersion()).toBe(manifest.version);
    expect(template).toBe(join(root, `pglite-${manifest.version}`));
    expect(pgliteTemplateRoot({ [PGLITE_TEMPLATE_DIR_ENV]: '/somewhere' })).toBe('/somewhere');
    expect(pgliteTemplateRoot({})).toBe(
      fileURLToPath(new URL('../../node_modules/.cache/roster', import.meta.url)),
    );
    expect(buildOutput).toContain('prepared the embedded database template');
    expect(existsSync(join(template, 'PG_VERSION'))).toBe(true);
    // Nothing left beside it and its copy with the migrations applied.
    expect((await readdir(root)).sort()).toEqual([
      `pglite-${manifest.version}`,
      `pglite-${manifest.version}-schema-${migrationsKey()}`,
    ]);
  });

  it('is built once: a second run leaves the existing template alone', async () => {
    const { stdout } = await run(process.execPath, [SCRIPT], {
      env: { ...process.env, [PGLITE_TEMPLATE_DIR_ENV]: root },
    });
    expect(stdout).toContain('template present');
    // The same directory (a rebuild would rename a new one into place), so still the marked template.
    expect((await stat(template)).ino).toBe(templateInode);
    expect(await readdir(root)).toHaveLength(2);
  });

  it('has a copy with the committed migrations applied, which a new data directory starts from by default', async () => {
    const schemaTemplate = pgliteSchemaTemplatePath(root);
    const journal = JSON.parse(
      await readFile(fileURLToPath(new URL('../../migrations/meta/_journal.json', import.meta.url)), 'utf8'),
    ) as { entries: unknown[] };
    const client = await PGlite.create({ dataDir: schemaTemplate });
    try {
      const applied = await client.query<{ count: number }>(
        'select count(*)::int as count from drizzle.__drizzle_migrations',
      );
      expect(applied.rows[0]!.count).toBe(journal.entries.length);
    } finally {
      await client.close();
    }

    const dataDir = join(work, 'from-schema-template', 'pglite');
    const { logger } = spyLogger();
    const previous = process.env[PGLITE_TEMPLATE_DIR_ENV];
    process.env[PGLITE_TEMPLATE_DIR_ENV] = root;
    try {
      const handle = await connectPglite(dataDir, { logger });
      try {
        expect(logger.info).toHaveBeenCalledWith('created the embedded database from the prebuilt template', {
          template: schemaTemplate,
        });
        await expectWorkingSchema(handle, 'env_from_schema_template');
      } finally {
        await handle.close();
      }
    } finally {
      if (previous === undefined) delete process.env[PGLITE_TEMPLATE_DIR_ENV];
      else process.env[PGLITE_TEMPLATE_DIR_ENV] = previous;
    }
  });

  it('gives a new data directory a copy of the template, then migrates it', async () => {
    const dataDir = join(work, 'from-template', 'pglite');
    const { logger, messages } = spyLogger();
    const handle = await connectPglite(dataDir, { templatePath: template, logger });
    try {
      expect(await fromMarkedTemplate(handle)).toBe(true);
      expect(messages()).toEqual(['created the embedded database from the prebuilt template']);
      await expectWorkingSchema(handle, 'env_from_template');
    } finally {
      await handle.close();
    }
    // No temporary copy left beside the data directory.
    expect(await readdir(join(work, 'from-template'))).toEqual(['pglite']);

    // A restart opens the existing cluster, with its data, and copies nothing.
    const restarted = spyLogger();
    const again = await connectPglite(dataDir, { templatePath: template, logger: restarted.logger });
    try {
      const rows = await again.db.select().from(environments).where(eq(environments.id, 'env_from_template'));
      expect(rows).toHaveLength(1);
      expect(restarted.messages()).toEqual([]);
    } finally {
      await again.close();
    }
  });

  it('uses the template for an existing but empty data directory', async () => {
    const dataDir = join(work, 'empty', 'pglite');
    await mkdir(dataDir, { recursive: true });
    expect(await seedFromTemplate(dataDir, template)).toBe('seeded');
    expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true);
    expect(await seedFromTemplate(dataDir, template)).toBe('exists');
  });

  it('leaves a data directory with other files but no cluster to PGlite', async () => {
    const dataDir = join(work, 'not-empty', 'pglite');
    await mkdir(dataDir, { recursive: true });
    await writeFile(join(dataDir, 'notes.txt'), 'mine');
    expect(await seedFromTemplate(dataDir, template)).toBe('not-empty');
    expect(await readdir(dataDir)).toEqual(['notes.txt']);
  });

  it('falls back to creating the cluster when there is no template', async () => {
    const dataDir = join(work, 'no-template', 'pglite');
    const { logger, messages } = spyLogger();
    const handle = await connectPglite(dataDir, {
      templatePath: join(work, 'missing', 'pglite-0.0.0'),
      logger,
    });
    try {
      expect(await fromMarkedTemplate(handle)).toBe(false);
      expect(messages()).toEqual([expect.stringContaining('no prebuilt template')]);
      await expectWorkingSchema(handle, 'env_no_template');
    } finally {
      await handle.close();
    }
  });

  it('falls back to creating the cluster when the template is garbage', async () => {
    const garbage = join(work, 'garbage', 'pglite-0.5.16');
    await mkdir(join(garbage, 'global'), { recursive: true });
    await writeFile(join(garbage, 'PG_VERSION'), '18\n');
    await writeFile(join(garbage, 'global', 'pg_control'), 'not a control file');
    const dataDir = join(work, 'from-garbage', 'pglite');
    const { logger } = spyLogger();
    const handle = await connectPglite(dataDir, { templatePath: garbage, logger });
    try {
      expect(logger.warn).toHaveBeenCalledWith(
        'the embedded database template is unusable; creating the database instead',
        expect.objectContaining({ template: garbage }),
      );
      await expectWorkingSchema(handle, 'env_from_garbage');
    } finally {
      await handle.close();
    }
    expect(await readdir(join(work, 'from-garbage'))).toEqual(['pglite']);
  });

  it('falls back when the template was made by another PostgreSQL version', async () => {
    const other = join(work, 'other-version', 'pglite-0.0.1');
    await mkdir(join(work, 'other-version'));
    await copyTree(template, other);
    await writeFile(join(other, 'PG_VERSION'), '17\n');
    const dataDir = join(work, 'from-other-version', 'pglite');
    const { logger } = spyLogger();
    const handle = await connectPglite(dataDir, { templatePath: other, logger });
    try {
      expect(logger.warn).toHaveBeenCalledTimes(1);
      expect(await fromMarkedTemplate(handle)).toBe(false);
      await expectWorkingSchema(handle, 'env_from_other_version');
    } finally {
      await handle.close();
    }
  });

  it('falls back, leaving no half copy, when the template cannot be copied', async () => {
    const broken = join(work, 'uncopyable', 'pglite-0.5.16');
    await mkdir(join(work, 'uncopyable'));
    await copyTree(template, broken);
    await symlink('/nonexistent', join(broken, 'dangling'));
    const parent = join(work, 'from-uncopyable');
    const dataDir = join(parent, 'pglite');
    await expect(seedFromTemplate(dataDir, broken)).rejects.toThrow(/unexpected entry/);
    expect(await readdir(parent)).toEqual([]);

    const { logger } = spyLogger();
    const handle = await connectPglite(dataDir, { templatePath: broken, logger });
    try {
      expect(logger.warn).toHaveBeenCalledWith(
        'could not copy the embedded database template; creating the database instead',
        expect.objectContaining({ template: broken }),
      );
      expect(await fromMarkedTemplate(handle)).toBe(false);
      await expectWorkingSchema(handle, 'env_from_uncopyable');
    } finally {
      await handle.close();
    }
  });
});
