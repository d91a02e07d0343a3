// Copyright loopback4-tenant-registry contributors. MIT License.

import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Where `npm run bench` writes its JSON record; `--quick` smoke runs write
 * `quick.json`, so they never overwrite the figures the README quotes, and
 * `--results=NAME.json` names another file (one per Node version).
 */
export const RESULTS_FILE = path.resolve(
  __dirname,
  '../../../bench/results',
  process.argv.find(a => a.startsWith('--results='))?.slice(10) ??
    (process.argv.includes('--quick') ? 'quick.json' : 'latest.json'),
);

/** Print an aligned table to stdout. */
export function printTable(
  title: string,
  header: string[],
  rows: (string | number)[][],
): void {
  const cells = [header, ...rows.map(row => row.map(String))];
  const widths = header.map((_, i) =>
    Math.max(...cells.map(row => row[i].length)),
  );
  const line = (row: string[]) =>
    '| ' + row.map((cell, i) => cell.padEnd(widths[i])).join(' | ') + ' |';
  const out = [
    `\n### ${title}\n`,
    line(header),
    '|' + widths.map(w => '-'.repeat(w + 2)).join('|') + '|',
    ...cells.slice(1).map(line),
    '',
  ];
  process.stdout.write(out.join('\n') + '\n');
}

/** Merge one suite's figures into the JSON record. */
export function recordSuite(suite: string, figures: unknown): void {
  let record: {environment?: unknown; suites?: Record<string, unknown>} = {};
  try {
    record = JSON.parse(readFileSync(RESULTS_FILE, 'utf8'));
  } catch {
    // First suite of a run: start a new record.
  }
  record.environment = environment();
  record.suites = {...record.suites, [suite]: figures};
  mkdirSync(path.dirname(RESULTS_FILE), {recursive: true});
  writeFileSync(RESULTS_FILE, JSON.stringify(record, null, 2) + '\n');
}

/** Node version, CPU and time of the run. */
export function environment() {
  const cpus = os.cpus();
  return {
    node: process.version,
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    platform: `${os.platform()} ${os.arch()}`,
    date: new Date().toISOString(),
  };
}

/** Median, min and max of a sample. */
export function summarize(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 0
      ? (sorted[middle - 1] + sorted[middle]) / 2
      : sorted[middle];
  return {median, min: sorted[0], max: sorted[sorted.length - 1]};
}

/** The value of `--name=value` on the command line, else `fallback`. */
export function cliOption(name: string, fallback: string): string {
  const arg = process.argv.find(a => a.startsWith(`--${name}=`));
  return arg ? arg.slice(name.length + 3) : fallback;
}

/** Whether `--quick` was passed. */
export function isQuick(): boolean {
  return process.argv.includes('--quick');
}

/** A number with at most `digits` decimals, for tables. */
export function fixed(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : String(value);
}

/**
 * A distribution-free confidence interval of the median (binomial order
 * statistics): the narrowest pair of ranks whose coverage is at least 95%,
 * or min-max with its own (lower) coverage when there are too few values.
 */
export function medianInterval(values: number[]): {
  low: number;
  high: number;
  coverage: number;
} {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return {low: NaN, high: NaN, coverage: 0};
  let below = 0; // P(X <= j - 1) for X ~ Binomial(n, 1/2)
  let rank = 1;
  let coverage = 1 - 2 / 2 ** n;
  for (let j = 2; j <= Math.ceil(n / 2); j++) {
    below += binomial(n, j - 2) / 2 ** n;
    const next = 1 - 2 * (below + binomial(n, j - 1) / 2 ** n);
    if (next < 0.95) break;
    rank = j;
    coverage = next;
  }
  return {low: sorted[rank - 1], high: sorted[n - rank], coverage};
}

function binomial(n: number, k: number): number {
  let result = 1;
  for (let i = 1; i <= k; i++) result = (result * (n - i + 1)) / i;
  return result;
}
