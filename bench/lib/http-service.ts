// Copyright loopback4-tenant-registry contributors. MIT License.

/*
 * The http suite's service-time comparison (see http-interleaved.ts): for
 * each method, `processes` fresh processes of bench/service-process.js, each
 * running `rounds` interleaved rounds; per side the median and mean service
 * time, per pair of sides the ratio of medians and the extra microseconds
 * per request, as the median over all rounds (min-max) with its interval.
 */

import path from 'node:path';
import {spawnBenchProcess, type ServerRuntime} from './http-round';
import {fixed, medianInterval, printTable, summarize} from './report';
import {showFigure} from './timing';

/** Pairs of sides compared: [numerator, denominator]. */
const RATIOS: [string, string][] = [
  ['component', 'als'],
  ['component-als', 'als'],
  ['component', 'component-als'],
  ['als-run-in-tenant', 'als'],
  ['als-lookup', 'als'],
  ['als-counted', 'als'],
  ['als-resolve', 'als'],
  ['als-admit', 'als'],
  ['component-lean', 'als'],
  ['component', 'component-lean'],
  ['component-shell', 'als'],
  ['component-shell', 'als-admit'],
  ['component-lean', 'component-shell'],
  ['component', 'als-run-in-tenant'],
  ['component', 'plain'],
  ['als', 'plain'],
  ['plain-2', 'plain'],
];

type Centre = {median: number; mean: number};
type RoundResult = Record<string, Centre>;

export interface ServicePlan {
  processes: number;
  rounds: number;
  requests: number;
  runtime: ServerRuntime;
  /** Diagnostic sides (`--with=component-als`). */
  extraKinds: string[];
  /** Requests in a row per side and turn (`--burst`); 1 = always cold. */
  burst: number;
}

function runProcess(
  method: string,
  plan: ServicePlan,
  seed: number,
): Promise<RoundResult[]> {
  const script = path.join(__dirname, '..', 'service-process.js');
  const child = spawnBenchProcess(plan.runtime, [
    ...(plan.runtime.flags ?? []),
    script,
    method,
    String(plan.requests),
    String(plan.rounds),
    String(seed),
    plan.extraKinds.join(','),
    String(plan.burst),
  ]);
  return new Promise((resolve, reject) => {
    let results: RoundResult[] | undefined;
    child.once('message', (m: {results: RoundResult[]}) => {
      results = m.results;
    });
    child.once('exit', code =>
      results
        ? resolve(results)
        : reject(new Error(`service process exited: ${code}`)),
    );
  });
}

/** Compare service times for each method; print and return the figures. */
export async function compareServiceTimes(
  methods: ('GET' | 'POST')[],
  plan: ServicePlan,
  runtimeLabel: string,
) {
  const figures: Record<string, unknown> = {};
  const sideRows: string[][] = [];
  const ratioRows: string[][] = [];
  for (const method of methods) {
    const rounds: RoundResult[] = [];
    for (let set = 0; set < plan.processes; set++) {
      rounds.push(...(await runProcess(method, plan, 1000 * (set + 1))));
    }
    const sides: Record<string, unknown> = {};
    for (const label of Object.keys(rounds[0])) {
      const median = summarize(rounds.map(r => r[label].median));
      const mean = summarize(rounds.map(r => r[label].mean));
      sides[label] = {median, mean};
      sideRows.push([
        method,
        label,
        showFigure(median, 1),
        showFigure(mean, 1),
      ]);
    }
    const pairs: Record<string, unknown> = {};
    for (const [a, b] of RATIOS) {
      if (rounds[0][a] === undefined || rounds[0][b] === undefined) continue;
      const ratios = rounds.map(r => r[a].median / r[b].median);
      const extra = rounds.map(r => r[a].median - r[b].median);
      const extraMean = rounds.map(r => r[a].mean - r[b].mean);
      const interval = medianInterval(ratios);
      pairs[`${a}/${b}`] = {
        ratio: summarize(ratios),
        ratioInterval: interval,
        extraMicros: summarize(extra),
        extraMicrosInterval: medianInterval(extra),
        extraMeanMicros: summarize(extraMean),
      };
      const extraInterval = medianInterval(extra);
      ratioRows.push([
        method,
        `${a} / ${b}`,
        showFigure(summarize(ratios), 3),
        `${fixed(interval.low, 3)}-${fixed(interval.high, 3)}`,
        showFigure(summarize(extra), 1),
        `${fixed(extraInterval.low, 1)}-${fixed(extraInterval.high, 1)}`,
        showFigure(summarize(extraMean), 1),
      ]);
    }
    figures[method] = {sides, pairs, rounds: rounds.length, burst: plan.burst};
  }
  const order =
    plan.burst > 1
      ? `in bursts of ${plan.burst} per side (warm code)`
      : 'one at a time (cold caches)';
  const shape = `${plan.processes} processes x ${plan.rounds} rounds x ${plan.requests} requests per side`;
  printTable(
    `http service time (${runtimeLabel}), us per request, ${order}, interleaved in one process; ${shape}; per round (median, min-max)`,
    ['method', 'side', 'median', 'mean'],
    sideRows,
  );
  printTable(
    `http service time (${runtimeLabel}, ${order}): per-round ratios and differences (median, min-max; ~95% interval of the median)`,
    [
      'method',
      'ratio',
      'ratio of medians',
      'interval',
      'extra us/req (of medians)',
      'interval',
      'extra us/req (of means)',
    ],
    ratioRows,
  );
  return figures;
}
