export type Verdict = 'pass' | 'MISS' | 'info' | 'skipped' | 'error';

export interface Row {
  figure: string;
  mode: string;
  gateway: string;
  baseline: string;
  ratio: string;
  target: string;
  result: Verdict;
}

const COLUMNS: { key: keyof Row; title: string }[] = [
  { key: 'figure', title: 'figure' },
  { key: 'mode', title: 'mode' },
  { key: 'gateway', title: 'gateway' },
  { key: 'baseline', title: 'baseline' },
  { key: 'ratio', title: 'ratio' },
  { key: 'target', title: 'target' },
  { key: 'result', title: 'result' },
];

export function textTable(rows: Row[]): string {
  const widths = COLUMNS.map(({ key, title }) =>
    Math.max(title.length, ...rows.map((row) => row[key].length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, index) => cell.padEnd(widths[index]!))
      .join('  ')
      .trimEnd();
  return [
    line(COLUMNS.map((column) => column.title)),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.map((row) => line(COLUMNS.map(({ key }) => row[key]))),
  ].join('\n');
}

export function markdownTable(rows: Row[]): string {
  const escapePipes = (cell: string) => cell.replaceAll('|', '\\|');
  return [
    `| ${COLUMNS.map((column) => column.title).join(' | ')} |`,
    `| ${COLUMNS.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${COLUMNS.map(({ key }) => escapePipes(row[key])).join(' | ')} |`),
  ].join('\n');
}

export const formatNumber = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
export const ms = (value: number) => `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms`;
export const seconds = (valueMs: number) => `${(valueMs / 1000).toFixed(2)} s`;
export const mebibytes = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
export const ratio = (value: number) => `${value.toFixed(2)}×`;
