// Copyright loopback4-tenant-registry contributors. MIT License.

/*
 * The tenancy middleware's own time inside real requests.
 *
 * The http suite's service time (lib/http-interleaved.ts) is what a user
 * pays, but its copy-to-copy noise is several microseconds. This times only
 * the tenancy middleware of each app, from its call to the call of `next()`
 * and from `next()`'s return to its own, in real HTTP requests interleaved
 * across the apps as in the service-time comparison: the middleware runs
 * with the caches as a real request leaves them, which is most of its cost
 * (a `Map` lookup measured 50 ns in a loop and about 1 us here).
 *
 * Not included: what runs after `next()`'s promise settles (our reaction
 * that ends the unit of work) and what the context costs the rest of the
 * request (one async hook per promise on Node 20, the same for every side).
 * The service time includes both.
 *
 *   node dist/bench/middleware-time.js [--method=GET] [--rounds=5]
 *     [--requests=3000] [--kinds=als,als-lookup,component] [--builds=DIR,...]
 *
 * `--builds` adds the component app of each other build (a built checkout,
 * from this version on) as a side `component@N:name`: a change measured
 * against the code before it, in one process. Copy the same build twice to
 * see the copy-to-copy noise (0.5-1.5 us here).
 *
 * The `plain` app (no tenancy middleware) is always there, so the caches
 * see the same traffic whichever sides are timed.
 */

import type {RestApplication} from '@loopback/rest';
import path from 'node:path';
import {
  startBenchApp,
  type BenchAppKind,
  type BenchAppOptions,
} from './lib/bench-app';
import {interleave, type Target} from './lib/http-interleaved';
import {cliOption, fixed, printTable, summarize} from './lib/report';

const now = process.hrtime.bigint;

/** Wraps a middleware-like function: its own time goes to `times` (ns). */
function timeOwn(times: number[]) {
  return <F extends (...args: never[]) => unknown>(fn: F): F =>
    function timed(this: unknown, ...args: unknown[]) {
      // `next` is the last function argument (the request handler takes an
      // optional route policy after it).
      let at = args.length - 1;
      while (at > 0 && typeof args[at] !== 'function') at--;
      const next = args[at] as () => unknown;
      let inner = 0n;
      args[at] = () => {
        const entered = now();
        try {
          return next();
        } finally {
          inner += now() - entered;
        }
      };
      const start = now();
      try {
        return fn.apply(this, args as Parameters<F>);
      } finally {
        times.push(Number(now() - start - inner));
      }
    } as unknown as F;
}

/** A side: its label and how to start its app with the middleware timed. */
interface Side {
  label: string;
  start: (options: BenchAppOptions) => Promise<RestApplication>;
}

/**
 * The component app of another build (a checkout's root, built): each
 * build's code is loaded and compiled on its own, so two builds compare in
 * one process, under the same load, as precisely as two sides of one build.
 * Every build installs its bridge on the same juggler: fine for the parcels
 * workload, which builds no model per request.
 */
function buildSide(root: string, index: number): Side {
  const modulePath = path.resolve(root, 'dist/bench/lib/bench-app.js');
  const build = require(modulePath) as {startBenchApp: typeof startBenchApp};
  return {
    label: `component@${index}:${path.basename(path.resolve(root))}`,
    start: options => build.startBenchApp('component', 'parcels', options),
  };
}

async function main(): Promise<void> {
  const method = cliOption('method', 'GET') as 'GET' | 'POST';
  const rounds = Number(cliOption('rounds', '5'));
  const requests = Number(cliOption('requests', '3000'));
  const sides: Side[] = cliOption('kinds', 'als,als-lookup,component')
    .split(',')
    .filter(Boolean)
    .map(kind => ({
      label: kind,
      start: options => startBenchApp(kind as BenchAppKind, 'parcels', options),
    }));
  const builds = cliOption('builds', '').split(',').filter(Boolean);
  sides.push(...builds.map(buildSide));
  if (sides.length === 0)
    throw new Error('nothing to time: give --kinds or --builds');
  const kinds = sides.map(side => side.label);
  const times: Record<string, number[]> = {};
  const apps = [await startBenchApp('plain')];
  const targets: Target[] = [];
  for (const side of sides) {
    times[side.label] = [];
    apps.push(await side.start({wrapTenancy: timeOwn(times[side.label])}));
  }
  for (const app of apps) {
    targets.push({label: '', port: new URL(app.restServer.url!).port});
  }
  const perRound: Record<string, number[]> = {};
  try {
    await interleave(targets, method, requests, 1);
    for (let round = 0; round < rounds; round++) {
      for (const kind of kinds) times[kind].length = 0;
      await interleave(targets, method, requests, round + 2);
      for (const kind of kinds) {
        (perRound[kind] ??= []).push(summarize(times[kind]).median / 1000);
      }
    }
  } finally {
    for (const app of apps) await app.stop();
  }
  const base = perRound[kinds[0]];
  printTable(
    `tenancy middleware's own time per ${method} request, us (${process.version}; median of each round's median, min-max; ${rounds} rounds of ${requests})`,
    ['side', 'own time', `extra over ${kinds[0]}`],
    kinds.map(kind => {
      const own = summarize(perRound[kind]);
      const extra = summarize(perRound[kind].map((v, i) => v - base[i]));
      return [
        kind,
        `${fixed(own.median, 2)} (${fixed(own.min, 2)}-${fixed(own.max, 2)})`,
        `${fixed(extra.median, 2)} (${fixed(extra.min, 2)}-${fixed(extra.max, 2)})`,
      ];
    }),
  );
}

main().catch(error => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
