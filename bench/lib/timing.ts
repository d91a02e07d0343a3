// Copyright loopback4-tenant-registry contributors. MIT License.

import {summarize} from './report';

/** A figure: median of rounds, with min and max. */
export interface Figure {
  median: number;
  min: number;
  max: number;
}

/**
 * CPU nanoseconds per call of `fn`, as the median of `rounds` rounds of
 * `iterations` calls each (after one warm-up round).
 *
 * @remarks
 * CPU time of this process (user + system), not wall time: on a machine
 * shared with other work, wall time counts the time other processes ran too
 * (two to three times the CPU time at a load of 7 on 2 cores here), while
 * CPU time moves far less. It includes V8's garbage-collection threads:
 * allocation is part of the cost.
 */
export function nsPerOp(
  fn: (i: number) => unknown,
  iterations: number,
  rounds: number,
): Figure {
  const samples: number[] = [];
  let sink: unknown;
  for (let round = -1; round < rounds; round++) {
    const start = process.cpuUsage();
    for (let i = 0; i < iterations; i++) sink = fn(i);
    const used = process.cpuUsage(start);
    const elapsed = (used.user + used.system) * 1000;
    if (round >= 0) samples.push(elapsed / iterations);
  }
  if (sink === Symbol.for('never')) process.stdout.write('');
  return summarize(samples);
}

/**
 * Run `a` and `b` in alternating rounds and compare: each is a Figure, and
 * `ratio` is the median of per-round ratios `b / a`.
 */
export function compareNsPerOp(
  a: (i: number) => unknown,
  b: (i: number) => unknown,
  iterations: number,
  rounds: number,
): {a: Figure; b: Figure; ratio: Figure} {
  const as: number[] = [];
  const bs: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const fa = nsPerOp(a, iterations, 1).median;
    const fb = nsPerOp(b, iterations, 1).median;
    as.push(fa);
    bs.push(fb);
    ratios.push(fb / fa);
  }
  return {a: summarize(as), b: summarize(bs), ratio: summarize(ratios)};
}

/** A figure as `median (min-max)`. */
export function showFigure(figure: Figure, digits = 0): string {
  const f = (n: number) => n.toFixed(digits);
  return `${f(figure.median)} (${f(figure.min)}-${f(figure.max)})`;
}
