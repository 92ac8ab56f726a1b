/**
 * Summarises V8 CPU profiles (`node --cpu-prof`): the top functions by self time and by inclusive
 * time, and self time per package or source folder. Usage: npm run bench:profile -- DIR|FILE… [--top N]
 * [--from S] [--to S] (only samples in that window of the profile: leaves out start-up)
 * A directory is summarised by its largest profile (the gateway server; tsx's launcher idles).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    top: { type: 'string', default: '25' },
    all: { type: 'boolean', default: false },
    // A window of the profile (seconds from its start): leaves out start-up, or looks at one phase.
    from: { type: 'string', default: '0' },
    to: { type: 'string', default: 'Infinity' },
  },
});
const top = Number(values.top);
const fromMicros = Number(values.from) * 1e6;
const toMicros = Number(values.to) * 1e6;

function profilesIn(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  const files = readdirSync(path)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => join(path, name))
    .sort((a, b) => statSync(b).size - statSync(a).size);
  return values.all ? files : files.slice(0, 1);
}

function location(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (inModules) return inModules[1]!;
  const inRepo = /\/(src|bench|test)\/(.*)$/.exec(path);
  if (inRepo) return `${inRepo[1]}/${inRepo[2]!.split('/').slice(0, -1).join('/') || '.'}`;
  if (path.startsWith('node:')) return path;
  return path === '' ? '(native/vm)' : path;
}

function describe(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules|src|bench)\//, '$1/');
  return `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim();
}

function summarise(file: string) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const byLocation = new Map<string, number>();
  let total = 0;
  let idle = 0;
  let elapsed = 0;
  for (const [index, sample] of profile.samples.entries()) {
    const delta = profile.timeDeltas[index] ?? 0;
    elapsed += delta;
    if (elapsed < fromMicros || elapsed > toMicros) continue;
    total += delta;
    const node = byId.get(sample)!;
    const name = node.callFrame.functionName;
    if (name === '(idle)' || name === '(program)') {
      if (name === '(idle)') idle += delta;
    }
    const key = describe(node);
    self.set(key, (self.get(key) ?? 0) + delta);
    const where = name.startsWith('(') ? name : location(node.callFrame.url);
    byLocation.set(where, (byLocation.get(where) ?? 0) + delta);
    const seen = new Set<string>();
    for (let id: number | undefined = sample; id !== undefined; id = parent.get(id)) {
      const frame = describe(byId.get(id)!);
      if (seen.has(frame)) continue;
      seen.add(frame);
      inclusive.set(frame, (inclusive.get(frame) ?? 0) + delta);
    }
  }
  const busy = total - idle;
  const print = (title: string, map: Map<string, number>, count: number) => {
    console.log(`\n${title}`);
    for (const [key, time] of [...map].sort((a, b) => b[1] - a[1]).slice(0, count)) {
      console.log(
        `  ${(time / 1000).toFixed(0).padStart(7)} ms  ${((time / busy) * 100).toFixed(1).padStart(5)}%  ${key}`,
      );
    }
  };
  console.log(`\n# ${file}`);
  console.log(
    `sampled ${(total / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s; percentages are of busy time`,
  );
  print('Self time by function', self, top);
  print('Self time by package or source folder', byLocation, 15);
  print('Inclusive time by function', inclusive, top);
}

if (positionals.length === 0) {
  console.error(
    'usage: npm run bench:profile -- DIR|FILE… [--top N] [--all] [--from SECONDS] [--to SECONDS]',
  );
  process.exit(64);
}
for (const path of positionals) for (const file of profilesIn(path)) summarise(file);
