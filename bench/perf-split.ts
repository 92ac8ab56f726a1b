/**
 * Splits a `perf record -a -g -e cpu-clock` profile into what each process's CPU went to: JavaScript (JIT
 * code), V8's builtins and runtime, garbage collection, V8's compilers, the kernel, libc. Unlike `--cpu-prof`,
 * perf counts only time on a CPU, in every thread (V8's GC and compiler threads too) and in the kernel; a V8
 * profile samples the main thread by wall clock, so time spent preempted lands on whatever was running.
 *
 * Usage: npx tsx bench/perf-split.ts FILE --pid PID=LABEL[@MS]… [--top N]
 * FILE is a `perf.data` (read with `perf script`) or the text `perf script -F comm,pid,tid,ip,sym,dso` wrote.
 * With `@MS`, the process's CPU per call in milliseconds as `compare-builds.ts` measured it from `/proc`, each
 * share is also shown as microseconds per call. Method: BENCHMARKS.md.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    pid: { type: 'string', multiple: true, default: [] },
    top: { type: 'string', default: '12' },
  },
});
const [file] = positionals;
if (!file || values.pid.length === 0) {
  console.error('usage: npx tsx bench/perf-split.ts FILE --pid PID=LABEL[@MS]… [--top N]');
  process.exit(2);
}

interface Target {
  pid: string;
  label: string;
  cpuMsPerCall: number | undefined;
}
const targets: Target[] = values.pid.map((spec) => {
  const match = /^(\d+)=([^@]+)(?:@([\d.]+))?$/.exec(spec);
  if (!match) throw new Error(`--pid ${spec}: expected PID=LABEL or PID=LABEL@MS`);
  return {
    pid: match[1]!,
    label: match[2]!,
    cpuMsPerCall: match[3] === undefined ? undefined : Number(match[3]),
  };
});

const CATEGORIES = [
  'JS (JIT code)',
  'V8 builtins',
  'V8/Node C++',
  'GC',
  'compilers',
  'kernel',
  'libc',
] as const;
type Category = (typeof CATEGORIES)[number] | 'other';

/** Anywhere in the stack: work V8 does on behalf of whatever allocated or called it. */
const GC =
  /v8::internal::(Scavenger|ScavengerCollector|MarkCompact|MinorMarkCompact|ConcurrentMarking|MarkingVisitor|MainMarkingVisitor|IncrementalMarking|Sweeper|Heap::|MemoryAllocator|Evacuat|ObjectStatsCollector|GCTracer)/;
const COMPILERS =
  /v8::internal::(compiler::|maglev::|baseline::|Compiler::|Parser|interpreter::BytecodeGenerator)|Builtins_CompileLazy/;

/** The category of one sample, from its frames (leaf first: `ip sym (dso)`). */
function categorise(frames: string[]): Category {
  const stack = frames.join('\n');
  if (GC.test(stack)) return 'GC';
  if (COMPILERS.test(stack)) return 'compilers';
  const leaf = frames[0] ?? '';
  if (leaf.includes('[kernel.kallsyms]')) return 'kernel';
  if (/perf-\d+\.map|\[JIT\]|\[unknown\]/.test(leaf)) return 'JS (JIT code)';
  if (leaf.startsWith('Builtins_')) return 'V8 builtins';
  if (leaf.includes('/node)')) return 'V8/Node C++';
  if (/lib(c|m|stdc\+\+|gcc_s)\.so/.test(leaf)) return 'libc';
  return 'other';
}

function scriptText(path: string): string {
  if (!path.endsWith('.data')) return readFileSync(path, 'utf8');
  const result = spawnSync('perf', ['script', '-i', path, '-F', 'comm,pid,tid,ip,sym,dso'], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (result.status !== 0) throw new Error(`perf script failed: ${result.stderr}`);
  return result.stdout;
}

interface Tally {
  samples: number;
  mainThread: number;
  byCategory: Map<Category, number>;
  leaves: Map<string, number>;
}
const tallies = new Map<string, Tally>(
  targets.map((target) => [
    target.pid,
    { samples: 0, mainThread: 0, byCategory: new Map(), leaves: new Map() },
  ]),
);

for (const block of scriptText(file).split('\n\n')) {
  const lines = block.split('\n').filter((line) => line.trim() !== '');
  const ids = /\s(\d+)\/(\d+)\s/.exec(` ${lines[0] ?? ''} `);
  if (!ids) continue;
  const tally = tallies.get(ids[1]!);
  if (!tally) continue;
  const frames = lines.slice(1).map((line) => line.trim().replace(/^[0-9a-f]+ /, ''));
  tally.samples++;
  if (ids[1] === ids[2]) tally.mainThread++;
  const category = categorise(frames);
  tally.byCategory.set(category, (tally.byCategory.get(category) ?? 0) + 1);
  const leaf = (frames[0] ?? '?').replace(/\s+\(.*\)$/, '').slice(0, 100);
  tally.leaves.set(leaf, (tally.leaves.get(leaf) ?? 0) + 1);
}

const percent = (part: number, whole: number) => (whole === 0 ? '0.0' : ((100 * part) / whole).toFixed(1));
const width = Math.max(...targets.map((target) => target.label.length), 8) + 16;
console.log('samples of each process (share of its own), and µs per call where its CPU per call was given');
console.log(['category'.padEnd(16), ...targets.map((target) => target.label.padStart(width))].join(''));
const row = (name: string, count: (tally: Tally) => number) =>
  console.log(
    [
      name.padEnd(16),
      ...targets.map((target) => {
        const tally = tallies.get(target.pid)!;
        const samples = count(tally);
        const micros =
          target.cpuMsPerCall && tally.samples > 0
            ? ` ${Math.round((target.cpuMsPerCall * 1000 * samples) / tally.samples)} µs`
            : '';
        return `${samples} (${percent(samples, tally.samples)} %)${micros}`.padStart(width);
      }),
    ].join(''),
  );
row('all threads', (tally) => tally.samples);
row('main thread', (tally) => tally.mainThread);
for (const category of [...CATEGORIES, 'other' as const])
  row(category, (tally) => tally.byCategory.get(category) ?? 0);

const top = Number(values.top);
for (const target of targets) {
  const tally = tallies.get(target.pid)!;
  console.log(`\n${target.label} (pid ${target.pid}): top leaf functions, all threads`);
  for (const [leaf, count] of [...tally.leaves].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`  ${String(count).padStart(6)} ${percent(count, tally.samples).padStart(5)} %  ${leaf}`);
  }
}
