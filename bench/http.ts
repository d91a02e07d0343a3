// Copyright loopback4-tenant-registry contributors. MIT License.

/*
 * HTTP suite: what users pay per request. The same LB4 app (lib/bench-app.ts)
 * as separate server processes, in rotating rounds (every side once per
 * pair, the order shifting each pair so that drift hits all alike):
 *
 * - overhead: plain, a second plain process (the noise floor: plain / plain
 *   measured in the same run), the bare-AsyncLocalStorage-middleware app and
 *   the component; GET and POST on a shared DataSource;
 * - registry scenarios: a model per tenant defined on every request
 *   (`leaky`) and a DataSource per tenant (`tenant-ds`), component against
 *   plain juggler, with the heap each server holds at the end.
 *
 * Ratios are medians of per-pair ratios with min-max and a ~95% interval;
 * CPU is the server process's own (user + system) per request.
 *
 *   node dist/bench/http.js [--quick] [--pairs=N] [--seconds=S]
 *     [--node=PATH] [--node-flags="--experimental-async-context-frame"]
 *     [--only=overhead|scenarios] [--methods=GET,POST]
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

async function compare(
  name: string,
  sides: Record<string, string[]>,
  methods: ('GET' | 'POST')[],
  pairs: number,
  seconds: number,
  runtime: ServerRuntime,
): Promise<Comparison[]> {
  const labels = Object.keys(sides);
  const started = labels.map(label =>
    startServer(label, sides[label], runtime),
  );
  const servers: BenchServer[] = [];
  for (const server of await Promise.allSettled(started)) {
    if (server.status === 'fulfilled') servers.push(server.value);
  }
  try {
    if (servers.length < labels.length) throw new Error('a server failed');
    const comparisons: Comparison[] = [];
    for (const method of methods) {
      // JIT warm-up: throughput climbs for several seconds after start.
      if (!isQuick()) {
        for (const server of servers) await round(server, method, seconds);
      }
      const rounds: Rounds = Object.fromEntries(labels.map(l => [l, []]));
      for (let pair = 0; pair < pairs; pair++) {
        for (let i = 0; i < servers.length; i++) {
          const server = servers[(i + pair) % servers.length];
          rounds[server.label].push(await round(server, method, seconds));
        }
      }
      const heapUsed: Record<string, number> = {};
      for (const server of servers) {
        heapUsed[server.label] = await ask(server, 'heap');
      }
      comparisons.push({name, method, rounds, heapUsed});
    }
    return comparisons;
  } finally {
    await Promise.all(servers.map(stopServer));
  }
}

export async function runHttpSuite() {
  const quick = isQuick();
  const pairs = Number(option('pairs') ?? (quick ? 1 : 8));
  const seconds = Number(option('seconds') ?? (quick ? 1 : 2));
  const only = option('only');
  const runtime: ServerRuntime = {
    node: option('node'),
    flags: option('node-flags')?.split(' ').filter(Boolean),
  };
  if (hasTaskset) spawnSync('taskset', ['-cp', '1', String(process.pid)]);
  const loadBefore = os.loadavg()[0];
  const comparisons: Comparison[] = [];
  if (only !== 'scenarios') {
    // `--with=component-als` adds a diagnostic side (see lib/bench-app.ts).
    const overhead: Record<string, string[]> = {
      plain: ['plain'],
      'plain-2': ['plain'],
      als: ['als'],
      component: ['component'],
    };
    for (const kind of option('with')?.split(',') ?? [])
      overhead[kind] = [kind];
    const methods = (option('methods') ?? 'GET,POST').split(',') as (
      'GET' | 'POST'
    )[];
    comparisons.push(
      ...(await compare(
        'overhead',
        overhead,
        methods,
        pairs,
        seconds,
        runtime,
      )),
    );
  }
  if (only !== 'overhead') {
    for (const workload of ['leaky', 'tenant-ds']) {
      const sides = {
        plain: ['plain', workload],
        component: ['component', workload],
      };
      const scenarioPairs = Math.max(1, Math.ceil(pairs / 2));
      comparisons.push(
        ...(await compare(
          workload,
          sides,
          ['GET'],
          scenarioPairs,
          seconds,
          runtime,
        )),
      );
    }
  }
  const environment = {
    node: nodeVersion(runtime.node ?? process.execPath),
    nodeFlags: runtime.flags ?? [],
    pairs,
    secondsPerRound: seconds,
    pinned: hasTaskset,
    cores: os.cpus().length,
    loadBefore,
    loadAfter: os.loadavg()[0],
  };
  const figures = printHttpTables(environment, comparisons);
  recordSuite('http', {environment, ...figures});
  return figures;
}

if (require.main === module) {
  runHttpSuite().catch(error => {
    process.stderr.write(`${error?.stack ?? error}\n`);
    process.exit(1);
  });
}
