// Copyright loopback4-tenant-registry contributors. MIT License.

/*
 * The http suite's service-time comparison, in one process (see
 * lib/http-interleaved.ts): starts the plain, plain-2, bare-ALS and component
 * apps side by side, warms them up, then runs interleaved rounds and sends
 * each round's service times (median and mean per side, microseconds) to the
 * parent over IPC.
 *
 *   node dist/bench/service-process.js <GET|POST> <requests> <rounds> <seed>
 *     [extra,kinds] (diagnostic sides, e.g. component-als) [burst]
 */

import type {RestApplication} from '@loopback/rest';
import {startBenchApp, type BenchAppKind} from './lib/bench-app';
import {
  centre,
  interleave,
  recordServiceTimes,
  type Target,
} from './lib/http-interleaved';

const SIDES: [string, BenchAppKind][] = [
  ['plain', 'plain'],
  ['plain-2', 'plain'],
  ['als', 'als'],
  ['component', 'component'],
];

async function main(): Promise<void> {
  const method = process.argv[2] as 'GET' | 'POST';
  const requests = Number(process.argv[3]);
  const rounds = Number(process.argv[4]);
  const seed = Number(process.argv[5]);
  const extra = (process.argv[6] ?? '').split(',').filter(Boolean);
  const burst = Number(process.argv[7] ?? 1);
  const sides = [
    ...SIDES,
    ...extra.map(kind => [kind, kind] as (typeof SIDES)[0]),
  ];
  const apps: RestApplication[] = [];
  const targets: Target[] = [];
  const times: Record<string, number[]> = {};
  try {
    for (const [label, kind] of sides) {
      const app = await startBenchApp(kind);
      apps.push(app);
      times[label] = [];
      recordServiceTimes(app.restServer.httpServer!.server, times[label]);
      targets.push({label, port: new URL(app.restServer.url!).port});
    }
    // JIT warm-up: about 8,000 requests per side settle it here.
    await interleave(targets, method, Math.max(100, requests * 4), seed, burst);
    const results: Record<string, {median: number; mean: number}>[] = [];
    for (let round = 0; round < rounds; round++) {
      for (const label of Object.keys(times)) times[label].length = 0;
      await interleave(targets, method, requests, seed + round + 1, burst);
      results.push(
        Object.fromEntries(
          Object.entries(times).map(([label, list]) => [label, centre(list)]),
        ),
      );
    }
    process.send!({results});
  } finally {
    for (const app of apps) await app.stop();
  }
}

main().catch(error => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
