// Copyright loopback4-tenant-registry contributors. MIT License.

/*
 * HTTP suite: what users pay per request. The same LB4 app (lib/bench-app.ts)
 * as separate server processes, fresh ones for each of `--processes` sets,
 * each warmed up with 8 s of load, then rounds in serpentine order (every
 * side once per pair, forward then backward, so neighbours alternate who
 * goes first and drift cancels out of their ratio):
 *
 * - service: plain, a second plain app (the noise floor: plain / plain
 *   measured in the same run), the bare-AsyncLocalStorage-middleware app and
 *   the component, GET and POST on a shared DataSource, in one process, one
 *   request at a time, interleaved, each request timed by its server
 *   (lib/http-interleaved.ts): the precise per-request comparison;
 * - overhead: the same four sides in throughput rounds (autocannon, 10
 *   connections), with the server's CPU time per request;
 * - registry scenarios: a model per tenant defined on every request
 *   (`leaky`) and a DataSource per tenant (`tenant-ds`), component against
 *   plain juggler, with the heap each server holds at the end.
 *
 * Ratios are medians of per-pair ratios with min-max and a ~95% interval;
 * CPU is the server process's own (user + system) per request.
 *
 *   node dist/bench/http.js [--quick] [--pairs=N] [--processes=N] [--seconds=S]
 *     [--node=PATH] [--node-flags="--experimental-async-context-frame"]
 *     [--only=service|overhead|scenarios] [--rounds=N] [--requests=N]
 *     [--methods=GET,POST] [--burst=N]
 *     [--with=component-als] [--results=NAME.json]
 */

import os from 'node:os';
import {spawnSync} from 'node:child_process';
import {printHttpTables} from './lib/http-report';
import {
  hasTaskset,
  nodeVersion,
  round,
  startServer,
  stopServer,
  ask,
  type BenchServer,
  type Round,
  type ServerRuntime,
} from './lib/http-round';
import {compareServiceTimes} from './lib/http-service';
import {isQuick, recordSuite} from './lib/report';

function option(name: string): string | undefined {
  const arg = process.argv.find(a => a.startsWith(`--${name}=`));
  return arg?.slice(name.length + 3);
}

/** Rounds per side, in pair order. */
export type Rounds = Record<string, Round[]>;

/** One comparison's raw rounds and the heap each server ended with. */
export interface Comparison {
  name: string;
  method: 'GET' | 'POST';
  rounds: Rounds;
  heapUsed: Record<string, number>;
}

/** Where a comparison runs: how many rounds, how long, on which Node. */
interface Plan {
  pairs: number;
  /** Fresh server processes per side, the pairs split among them. */
  processes: number;
  seconds: number;
  runtime: ServerRuntime;
}

/**
 * Rounds of every side for each method. Each process set starts fresh
 * servers (so one process's JIT luck does not decide a ratio), warms them
 * up, then runs its share of the pairs in serpentine order (forward, then
 * backward): sides next to each other in `sides` are always adjacent rounds,
 * each going first half the time, so drift cancels out of their ratio.
 */
async function compare(
  name: string,
  sides: Record<string, string[]>,
  methods: ('GET' | 'POST')[],
  plan: Plan,
): Promise<Comparison[]> {
  const labels = Object.keys(sides);
  const comparisons: Comparison[] = [];
  for (const method of methods) {
    const rounds: Rounds = Object.fromEntries(labels.map(l => [l, []]));
    const heapUsed: Record<string, number> = {};
    let pair = 0;
    for (let set = 0; set < plan.processes; set++) {
      const share = Math.ceil((plan.pairs - pair) / (plan.processes - set));
      if (share === 0) break;
      const servers = await startServers(labels, sides, plan.runtime);
      try {
        // JIT warm-up: throughput climbs for about 8 s of load after start.
        if (!isQuick()) {
          for (const server of servers) await round(server, method, 8);
        }
        for (let end = pair + share; pair < end; pair++) {
          const order = pair % 2 === 0 ? servers : [...servers].reverse();
          for (const server of order) {
            rounds[server.label].push(
              await round(server, method, plan.seconds),
            );
          }
        }
        for (const server of servers) {
          heapUsed[server.label] = await ask(server, 'heap');
        }
      } finally {
        await Promise.all(servers.map(stopServer));
      }
    }
    comparisons.push({name, method, rounds, heapUsed});
  }
  return comparisons;
}

async function startServers(
  labels: string[],
  sides: Record<string, string[]>,
  runtime: ServerRuntime,
): Promise<BenchServer[]> {
  const started = await Promise.allSettled(
    labels.map(label => startServer(label, sides[label], runtime)),
  );
  const servers: BenchServer[] = [];
  for (const server of started) {
    if (server.status === 'fulfilled') servers.push(server.value);
  }
  if (servers.length < labels.length) {
    await Promise.all(servers.map(stopServer));
    throw new Error('a bench server failed to start');
  }
  return servers;
}

export async function runHttpSuite() {
  const quick = isQuick();
  const pairs = Number(option('pairs') ?? (quick ? 1 : 8));
  const seconds = Number(option('seconds') ?? (quick ? 1 : 2));
  const processes = Number(option('processes') ?? (quick ? 1 : 2));
  const only = option('only');
  const runtime: ServerRuntime = {
    node: option('node'),
    flags: option('node-flags')?.split(' ').filter(Boolean),
  };
  const plan: Plan = {pairs, processes, seconds, runtime};
  if (hasTaskset) spawnSync('taskset', ['-cp', '1', String(process.pid)]);
  const loadBefore = os.loadavg()[0];
  const comparisons: Comparison[] = [];
  const methods = (option('methods') ?? 'GET,POST').split(',') as (
    'GET' | 'POST'
  )[];
  const nodeLabel = [
    nodeVersion(runtime.node ?? process.execPath),
    ...(runtime.flags ?? []),
  ].join(' ');
  let service: Record<string, unknown> | undefined;
  if (only === undefined || only === 'service') {
    service = await compareServiceTimes(
      methods,
      {
        processes,
        rounds: Number(option('rounds') ?? (quick ? 1 : 5)),
        requests: Number(option('requests') ?? (quick ? 50 : 1000)),
        runtime,
        extraKinds: option('with')?.split(',') ?? [],
        burst: Number(option('burst') ?? 1),
      },
      nodeLabel,
    );
  }
  if (only === undefined || only === 'overhead') {
    // `--with=component-als` adds a diagnostic side (see lib/bench-app.ts).
    // Order matters (see compare): plain next to plain-2 (the noise floor),
    // als next to component (the ratio).
    const overhead: Record<string, string[]> = {
      plain: ['plain'],
      'plain-2': ['plain'],
      als: ['als'],
      component: ['component'],
    };
    for (const kind of option('with')?.split(',') ?? [])
      overhead[kind] = [kind];
    comparisons.push(...(await compare('overhead', overhead, methods, plan)));
  }
  if (only === undefined || only === 'scenarios') {
    for (const workload of ['leaky', 'tenant-ds']) {
      const sides = {
        plain: ['plain', workload],
        component: ['component', workload],
      };
      const scenarioPairs = Math.max(1, Math.ceil(pairs / 2));
      comparisons.push(
        ...(await compare(workload, sides, ['GET'], {
          ...plan,
          pairs: scenarioPairs,
          processes: 1,
        })),
      );
    }
  }
  const environment = {
    node: nodeVersion(runtime.node ?? process.execPath),
    nodeFlags: runtime.flags ?? [],
    pairs,
    processes,
    secondsPerRound: seconds,
    pinned: hasTaskset,
    cores: os.cpus().length,
    loadBefore,
    loadAfter: os.loadavg()[0],
  };
  const figures = printHttpTables(environment, comparisons);
  recordSuite('http', {environment, service, ...figures});
  return figures;
}

if (require.main === module) {
  runHttpSuite().catch(error => {
    process.stderr.write(`${error?.stack ?? error}\n`);
    process.exit(1);
  });
}
