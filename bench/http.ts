// Copyright loopback4-tenant-registry contributors. MIT License.

/*
 * HTTP suite: autocannon against two LB4 apps, identical but for our
 * component, in alternating short rounds (A B, B A, ...) on 127.0.0.1, each
 * server pinned to core 0 and the load generator to core 1 where `taskset`
 * exists. Reports the median of per-pair ratios, with min and max.
 */

import autocannon from 'autocannon';
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import path from 'node:path';
import {isQuick, printTable, recordSuite, summarize} from './lib/report';
import {showFigure} from './lib/timing';

interface Server {
  mode: string;
  child: ChildProcess;
  port: string;
}

interface Round {
  rps: number;
  p99: number;
  cpuMicrosPerRequest: number;
  errors: number;
}

const hasTaskset = spawnSync('taskset', ['-V']).status === 0;

function startServer(mode: string): Promise<Server> {
  const script = path.join(__dirname, 'http-server.js');
  const [command, args] = hasTaskset
    ? ['taskset', ['-c', '0', process.execPath, script, mode]]
    : [process.execPath, [script, mode]];
  const child = spawn(command, args, {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (message: {port: string}) =>
      resolve({mode, child, port: message.port}),
    );
    child.once('exit', code =>
      reject(new Error(`${mode} server exited: ${code}`)),
    );
  });
}

function cpuMicros(server: Server): Promise<number> {
  return new Promise(resolve => {
    server.child.once('message', (m: {cpuMicros: number}) =>
      resolve(m.cpuMicros),
    );
    server.child.send('cpu');
  });
}

async function round(
  server: Server,
  method: 'GET' | 'POST',
  seconds: number,
): Promise<Round> {
  let next = 0;
  const before = await cpuMicros(server);
  const result = await autocannon({
    url: `http://127.0.0.1:${server.port}`,
    connections: 10,
    duration: seconds,
    requests: [
      {
        method,
        path: method === 'GET' ? '/parcels/1' : '/parcels',
        headers: {'content-type': 'application/json'},
        body:
          method === 'POST'
            ? JSON.stringify({
                address: {street: 's', city: 'c'},
                items: [{sku: 'a', qty: 1}],
              })
            : undefined,
        setupRequest: request => ({
          ...request,
          headers: {
            ...request.headers,
            'x-tenant-id': `tenant-${next++ % 1000}`,
          },
        }),
      },
    ],
  });
  const after = await cpuMicros(server);
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    cpuMicrosPerRequest: (after - before) / Math.max(1, result.requests.total),
    errors: result.errors + result.non2xx,
  };
}

export async function runHttpSuite() {
  const quick = isQuick();
  const pairsArg = process.argv.find(a => a.startsWith('--pairs='));
  const pairs = pairsArg ? Number(pairsArg.split('=')[1]) : quick ? 2 : 30;
  const seconds = 1;
  if (hasTaskset) spawnSync('taskset', ['-cp', '1', String(process.pid)]);
  // `--compare=als-only` measures a bare AsyncLocalStorage middleware instead
  // of the component, to tell its cost from ours.
  const compareArg = process.argv.find(a => a.startsWith('--compare='));
  const plain = await startServer('plain');
  const component = await startServer(
    compareArg ? compareArg.split('=')[1] : 'component',
  );
  const figures: Record<string, unknown> = {
    pairs,
    secondsPerRound: seconds,
    pinned: hasTaskset,
  };
  const rows: string[][] = [];
  try {
    for (const method of ['GET', 'POST'] as const) {
      // JIT warm-up: throughput climbs for several seconds after start.
      const warmup = quick ? 1 : 4;
      await round(plain, method, warmup);
      await round(component, method, warmup);
      const a: Round[] = [];
      const b: Round[] = [];
      for (let i = 0; i < pairs; i++) {
        // Alternate which side goes first, so drift hits both alike.
        if (i % 2 === 0) {
          a.push(await round(plain, method, seconds));
          b.push(await round(component, method, seconds));
        } else {
          b.push(await round(component, method, seconds));
          a.push(await round(plain, method, seconds));
        }
      }
      const throughputRatio = summarize(a.map((r, i) => b[i].rps / r.rps));
      const p99Ratio = summarize(
        a.map((r, i) => b[i].p99 / Math.max(r.p99, 1)),
      );
      const cpuA = summarize(a.map(r => r.cpuMicrosPerRequest));
      const cpuB = summarize(b.map(r => r.cpuMicrosPerRequest));
      const errors = [...a, ...b].reduce((n, r) => n + r.errors, 0);
      figures[method] = {
        plainRps: summarize(a.map(r => r.rps)),
        componentRps: summarize(b.map(r => r.rps)),
        throughputRatio,
        p99Ratio,
        cpuMicrosPerRequestPlain: cpuA,
        cpuMicrosPerRequestComponent: cpuB,
        errors,
      };
      rows.push(
        [`${method} req/s plain`, showFigure(summarize(a.map(r => r.rps)))],
        [
          `${method} req/s with component`,
          showFigure(summarize(b.map(r => r.rps))),
        ],
        [
          `${method} throughput ratio (component / plain)`,
          showFigure(throughputRatio, 3),
        ],
        [`${method} p99 ratio (component / plain)`, showFigure(p99Ratio, 3)],
        [`${method} server CPU us/request plain`, showFigure(cpuA, 1)],
        [`${method} server CPU us/request component`, showFigure(cpuB, 1)],
        [`${method} errors`, String(errors)],
      );
    }
  } finally {
    plain.child.send('stop');
    component.child.send('stop');
  }
  printTable(
    `http: ${pairs} alternating pairs of ${seconds}s rounds, 10 connections, 1,000 tenants` +
      (hasTaskset ? ', servers on core 0, load on core 1' : ''),
    ['figure', 'median (min-max)'],
    rows,
  );
  recordSuite('http', figures);
  return figures;
}

if (require.main === module) {
  runHttpSuite().catch(error => {
    process.stderr.write(`${error?.stack ?? error}\n`);
    process.exit(1);
  });
}
