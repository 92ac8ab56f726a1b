import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { dirname, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(new URL(import.meta.url).pathname), '../..');
const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/** Every project file reachable from `entry` through relative imports, with its bare imports. */
async function importGraph(entry: string) {
  const seen = new Map<string, string[]>();
  const queue = [resolve(root, entry)];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    const source = await readFile(file, 'utf8');
    const specifiers = [
      ...source.matchAll(
        /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g,
      ),
    ].map((match) => (match[1] ?? match[2])!);
    seen.set(
      file,
      specifiers.filter((specifier) => !specifier.startsWith('.')),
    );
    for (const specifier of specifiers.filter((specifier) => specifier.startsWith('.'))) {
      const base = resolve(dirname(file), specifier.replace(/\.js$/, ''));
      const candidates = [`${base}.ts`, `${base}/index.ts`, base];
      for (const candidate of candidates) {
        try {
          await readFile(candidate);
          queue.push(candidate);
          break;
        } catch {
          // try the next form
        }
      }
    }
  }
  return seen;
}

describe('runtime neutrality', () => {
  it.each(['src/app.ts', 'src/worker.ts', 'src/sandbox/personio/index.ts'])(
    '%s reaches no Node built-in',
    async (entry) => {
      const graph = await importGraph(entry);
      expect(graph.size).toBeGreaterThan(entry.includes('sandbox') ? 1 : 10);
      const offenders = [...graph.entries()].flatMap(([file, imports]) =>
        imports
          .filter((specifier) => builtins.has(specifier))
          .map((specifier) => `${file.slice(root.length + 1)} → ${specifier}`),
      );
      expect(offenders).toEqual([]);
    },
  );

  it('bundles for Cloudflare Workers (wrangler deploy --dry-run)', async () => {
    const { stdout, stderr } = await promisify(execFile)(
      'npx',
      ['wrangler', 'deploy', '--dry-run', '--outdir', '.wrangler/dry-run'],
      {
        cwd: root,
        env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' },
        timeout: 120_000,
      },
    );
    expect(`${stdout}${stderr}`).toMatch(/--dry-run: exiting now/);
  }, 150_000);
});
