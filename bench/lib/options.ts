import { parseArgs } from 'node:util';
import type { Mode } from './context';

export const FIGURES = ['proxy', 'list', 'crawl', 'tokens', 'memory', 'startup', 'observability'] as const;
export type Figure = (typeof FIGURES)[number];

export interface BenchOptions {
  figures: Set<Figure>;
  modes: Mode[];
  /** Load rounds per throughput figure (each round: gateway and baseline back to back). */
  runs: number;
  durationSec: number;
  warmupSec: number;
  connections: number;
  /** Crawls (figure 3) and start-ups (figure 6) per measurement. */
  repeats: number;
  json: string | undefined;
  markdown: boolean;
  cpuProfDir: string | undefined;
  /** Keep the work directory (gateway logs with each request's duration, data dirs) and print where it is. */
  keep: boolean;
  strict: boolean;
}

export const USAGE = `Usage: npm run bench [-- options]

Runs the simulator, a bare passthrough proxy and the gateway on loopback and prints one table.

  --only LIST        figures to run, comma-separated: ${FIGURES.join(',')} (default: all)
  --modes LIST       server (PostgreSQL + Redis), embedded (PGlite + memory); default: both
  --runs N           load rounds per throughput figure (default 5)
  --duration S       seconds per load run (default 5)
  --warmup S         warm-up seconds per target before the rounds (default 2)
  --connections N    concurrent connections of the load generator (default 10)
  --repeats N        crawls per crawl figure, start-ups per start-up figure (default 3)
  --quick            one short round of everything (a smoke run, not for publishing)
  --markdown         also print the table as Markdown (for BENCHMARKS.md)
  --json FILE        write every measurement to FILE
  --cpu-prof DIR     run the gateway with node --cpu-prof, profiles in DIR (summarise: npm run bench:profile -- DIR)
  --keep             keep the work directory (gateway logs: one JSON line per request with its duration)
  --strict           exit 1 when a target is missed
  --help`;

export function parseOptions(argv: string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: 'string' },
      modes: { type: 'string' },
      runs: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      repeats: { type: 'string' },
      quick: { type: 'boolean', default: false },
      markdown: { type: 'boolean', default: false },
      json: { type: 'string' },
      'cpu-prof': { type: 'string' },
      strict: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return 'help';
  const list = <Item extends string>(value: string | undefined, allowed: readonly Item[], name: string) => {
    if (value === undefined) return [...allowed];
    const items = value.split(',').map((item) => item.trim());
    for (const item of items) {
      if (!(allowed as readonly string[]).includes(item)) {
        throw new Error(`--${name}: unknown ${JSON.stringify(item)}; choose from ${allowed.join(', ')}`);
      }
    }
    return items as Item[];
  };
  const count = (value: string | undefined, fallback: number, name: string, min = 1) => {
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < min) throw new Error(`--${name} must be a number ≥ ${min}`);
    return parsed;
  };
  const quick = values.quick;
  return {
    figures: new Set(list(values.only, FIGURES, 'only')),
    modes: list(values.modes, ['server', 'embedded'] as const, 'modes'),
    runs: count(values.runs, quick ? 1 : 5, 'runs'),
    durationSec: count(values.duration, quick ? 2 : 5, 'duration'),
    warmupSec: count(values.warmup, quick ? 1 : 2, 'warmup', 0),
    connections: count(values.connections, 10, 'connections'),
    repeats: count(values.repeats, quick ? 1 : 3, 'repeats'),
    json: values.json,
    markdown: values.markdown,
    cpuProfDir: values['cpu-prof'],
    keep: values.keep,
    strict: values.strict,
  };
}
