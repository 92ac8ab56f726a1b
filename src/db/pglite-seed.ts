import { constants } from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { hasCluster } from './pglite-template.mjs';

/** A copy left by a start that died mid-copy is removed by a later first start once it is this old. */
const STALE_MS = 10 * 60 * 1000;

export type SeedOutcome =
  /** `dataDir` now holds a copy of the template. */
  | 'seeded'
  /** `dataDir` holds a cluster already. */
  | 'exists'
  /** No template there (never built, another PGlite version, or installed with --ignore-scripts). */
  | 'no-template'
  /** `dataDir` holds other files but no cluster: left to PGlite as before. */
  | 'not-empty';

/**
 * Gives a data directory that has no cluster yet a copy of the prebuilt template cluster. The copy
 * goes to a temporary sibling first and is renamed into place, so a crash mid-copy never leaves a
 * half cluster where PGlite would find it. Throws only when copying fails (the caller falls back).
 */
export async function seedFromTemplate(dataDir: string, templatePath: string): Promise<SeedOutcome> {
  if (hasCluster(dataDir)) return 'exists';
  if (!hasCluster(templatePath)) return 'no-template';
  const existing = await readdir(dataDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (existing && existing.length > 0) return 'not-empty';

  const parent = dirname(dataDir);
  await mkdir(parent, { recursive: true });
  await removeStaleCopies(dataDir);
  const temporary = `${dataDir}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  try {
    await copyTree(templatePath, temporary);
    if (existing) await rmdir(dataDir);
    await rename(temporary, dataDir);
  } finally {
    await rm(temporary, { recursive: true, force: true });
  }
  return 'seeded';
}

/**
 * Copies a directory tree, all files at once (the thread pool bounds the parallelism; `fs.cp` is
 * several times slower on PGlite's ~1,000 small files). Clones where the file system can. Settles
 * every copy before it reports a failure, so nothing is still writing when the caller cleans up.
 */
export async function copyTree(source: string, target: string): Promise<void> {
  await mkdir(target);
  const entries = await readdir(source, { withFileTypes: true });
  const copies = await Promise.allSettled(
    entries.map(async (entry) => {
      const from = join(source, entry.name);
      const to = join(target, entry.name);
      if (entry.isDirectory()) await copyTree(from, to);
      else if (entry.isFile()) await copyFile(from, to, constants.COPYFILE_FICLONE);
      else throw new Error(`unexpected entry in the template: ${from}`);
    }),
  );
  const failed = copies.find((copy) => copy.status === 'rejected');
  if (failed) throw failed.reason;
}

async function removeStaleCopies(dataDir: string): Promise<void> {
  const prefix = `${basename(dataDir)}.tmp-`;
  const siblings = await readdir(dirname(dataDir)).catch(() => [] as string[]);
  for (const name of siblings) {
    if (!name.startsWith(prefix)) continue;
    const path = join(dirname(dataDir), name);
    const age = await stat(path).then(
      (info) => Date.now() - info.mtimeMs,
      () => 0,
    );
    if (age >= STALE_MS) await rm(path, { recursive: true, force: true }).catch(() => {});
  }
}
