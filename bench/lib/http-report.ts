// Copyright loopback4-tenant-registry contributors. MIT License.

/*
 * The http suite's figures and tables: per side, and per pair of sides the
 * median of per-pair throughput ratios and CPU differences.
 */

import type {Comparison} from '../http';
import type {Round} from './http-round';
import {fixed, medianInterval, printTable, summarize} from './report';
import {showFigure, type Figure} from './timing';

/** Ratios reported for the overhead comparison: [numerator, denominator]. */
const OVERHEAD_RATIOS: [string, string][] = [
  ['component', 'als'],
  ['component-als', 'als'],
  ['component', 'plain'],
  ['als', 'plain'],
  ['plain-2', 'plain'],
];

function sideFigures(rounds: Round[]) {
  return {
    rps: summarize(rounds.map(r => r.rps)),
    cpuMicrosPerRequest: summarize(rounds.map(r => r.cpuMicrosPerRequest)),
    p50Ms: summarize(rounds.map(r => r.p50)),
    p99Ms: summarize(rounds.map(r => r.p99)),
    errors: rounds.reduce((n, r) => n + r.errors, 0),
  };
}

function pairFigures(a: Round[], b: Round[]) {
  const ratios = a.map((r, i) => r.rps / b[i].rps);
  const interval = medianInterval(ratios);
  return {
    throughputRatio: summarize(ratios),
    throughputRatioInterval: interval,
    extraCpuMicrosPerRequest: summarize(
      a.map((r, i) => r.cpuMicrosPerRequest - b[i].cpuMicrosPerRequest),
    ),
    p99Ratio: summarize(a.map((r, i) => r.p99 / b[i].p99)),
  };
}

const show = (f: Figure, digits: number) => showFigure(f, digits);

/** Print the suite's tables and return its figures for the JSON record. */
export function printHttpTables(
  environment: {node: string; nodeFlags: string[]; pairs: number} & Record<
    string,
    unknown
  >,
  comparisons: Comparison[],
) {
  const figures: Record<string, Record<string, unknown>> = {};
  const runtime = [environment.node, ...environment.nodeFlags].join(' ');
  const sideRows: string[][] = [];
  const ratioRows: string[][] = [];
  for (const comparison of comparisons) {
    const {name, method, rounds, heapUsed} = comparison;
    const sides: Record<string, ReturnType<typeof sideFigures>> = {};
    for (const [label, list] of Object.entries(rounds)) {
      sides[label] = sideFigures(list);
      sideRows.push([
        `${name} ${method}`,
        label,
        show(sides[label].rps, 0),
        show(sides[label].cpuMicrosPerRequest, 1),
        show(sides[label].p50Ms, 2),
        show(sides[label].p99Ms, 2),
        fixed(heapUsed[label] / 2 ** 20),
        String(sides[label].errors),
      ]);
    }
    const loads = Object.values(rounds).flatMap(list => list.map(r => r.load));
    const pairs: Record<string, ReturnType<typeof pairFigures>> = {};
    const wanted =
      name === 'overhead' ? OVERHEAD_RATIOS : [['component', 'plain']];
    for (const [a, b] of wanted) {
      if (rounds[a] === undefined || rounds[b] === undefined) continue;
      const pair = pairFigures(rounds[a], rounds[b]);
      pairs[`${a}/${b}`] = pair;
      const {low, high, coverage} = pair.throughputRatioInterval;
      ratioRows.push([
        `${name} ${method}`,
        `${a} / ${b}`,
        show(pair.throughputRatio, 3),
        `${low.toFixed(3)}-${high.toFixed(3)} (${(coverage * 100).toFixed(0)}%)`,
        show(pair.extraCpuMicrosPerRequest, 1),
        show(pair.p99Ratio, 3),
        `${fixed(Math.min(...loads), 2)}-${fixed(Math.max(...loads), 2)}`,
      ]);
    }
    figures[name] ??= {};
    figures[name][method] = {sides, pairs, heapUsed, loads};
  }
  printTable(
    `http (${runtime}): each side, ${environment.pairs} rounds (median, min-max)`,
    [
      'scenario',
      'side',
      'req/s',
      'server CPU us/req',
      'p50 ms',
      'p99 ms',
      'heap MiB at end',
      'errors',
    ],
    sideRows,
  );
  printTable(
    `http (${runtime}): per-pair ratios (median, min-max; interval of the median)`,
    [
      'scenario',
      'ratio',
      'throughput',
      'interval',
      'extra CPU us/req',
      'p99 ratio',
      'load 1 min',
    ],
    ratioRows,
  );
  return figures;
}
