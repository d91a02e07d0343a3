// Copyright loopback4-tenant-registry contributors. MIT License.

/*
 * Where a request's cost goes: async resources created per request, by type
 * (every promise pays an async hook on Node 20, where AsyncLocalStorage runs
 * on async_hooks), for each app kind side by side. Run under `--cpu-prof` to
 * see the rest.
 *
 *   node dist/bench/request-profile.js [--requests=2000] [--kinds=plain,als,component]
 *     [--workload=parcels] [--method=GET]
 */

import {createHook} from 'node:async_hooks';
import http from 'node:http';
import {startBenchApp, type BenchAppKind} from './lib/bench-app';
import {cliOption, printTable} from './lib/report';

const agent = new http.Agent({keepAlive: true, maxSockets: 1});
const BODY = JSON.stringify({address: {street: 's', city: 'c'}});

/** `count` requests one after the other, with callbacks only. */
function sendRequests(
  port: number,
  method: string,
  count: number,
  done: (error?: Error) => void,
): void {
  let sent = 0;
  const sendNext = (): void => {
    if (sent === count) return done();
    const request = http.request(
      {
        port,
        host: '127.0.0.1',
        method,
        path: method === 'GET' ? '/parcels/1' : '/parcels',
        agent,
        headers: {
          'content-type': 'application/json',
          'x-tenant-id': `tenant-${sent++ % 1000}`,
        },
      },
      response => {
        if (response.statusCode !== 200) {
          return done(new Error(`status ${response.statusCode}`));
        }
        response.resume();
        response.on('end', sendNext);
      },
    );
    request.on('error', done);
    request.end(method === 'POST' ? BODY : undefined);
  };
  sendNext();
}

function send(port: number, method: string, count: number): Promise<void> {
  return new Promise((resolve, reject) =>
    sendRequests(port, method, count, error =>
      error ? reject(error) : resolve(),
    ),
  );
}

async function profile(kind: BenchAppKind, requests: number, method: string) {
  const app = await startBenchApp(
    kind,
    cliOption('workload', 'parcels') as 'parcels',
  );
  const port = Number(new URL(app.restServer.url!).port);
  await send(port, method, Math.min(requests, 2000));
  const counts = new Map<string, number>();
  const hook = createHook({
    init(_id, type) {
      counts.set(type, (counts.get(type) ?? 0) + 1);
    },
  });
  hook.enable();
  const cpuBefore = process.cpuUsage();
  const start = process.hrtime.bigint();
  await send(port, method, requests);
  const elapsed = Number(process.hrtime.bigint() - start) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  hook.disable();
  await app.stop();
  const perRequest: Record<string, number> = {};
  for (const [type, count] of counts) perRequest[type] = count / requests;
  return {
    kind,
    perRequest,
    wallMicros: elapsed / requests,
    cpuMicros: (cpu.user + cpu.system) / requests,
  };
}

async function main(): Promise<void> {
  const requests = Number(cliOption('requests', '2000'));
  const method = cliOption('method', 'GET');
  const kinds = cliOption('kinds', 'plain,als,component').split(',');
  const results: Awaited<ReturnType<typeof profile>>[] = [];
  for (const kind of kinds) {
    results.push(await profile(kind as BenchAppKind, requests, method));
  }
  const types = [...new Set(results.flatMap(r => Object.keys(r.perRequest)))];
  printTable(
    `async resources per ${method} request (${requests} sequential requests, client included; createHook enabled)`,
    ['type', ...kinds],
    [
      ...types.map(type => [
        type,
        ...results.map(r => (r.perRequest[type] ?? 0).toFixed(2)),
      ]),
      ['wall us/request', ...results.map(r => r.wallMicros.toFixed(1))],
      ['CPU us/request', ...results.map(r => r.cpuMicros.toFixed(1))],
    ],
  );
}

main().catch(error => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
