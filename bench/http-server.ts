// Copyright loopback4-tenant-registry contributors. MIT License.

/*
 * One server of the http suite, in its own process (see lib/bench-app.ts).
 * Reports its port, then answers over IPC: `cpu` (its CPU time in
 * microseconds), `heap` (heapUsed after a full GC when run with
 * --expose-gc) and `stop`.
 *
 *   node [--expose-gc] dist/bench/http-server.js <plain|als|component> [parcels|leaky|tenant-ds]
 */

import {
  startBenchApp,
  type BenchAppKind,
  type BenchWorkload,
} from './lib/bench-app';

async function main(): Promise<void> {
  const kind = process.argv[2] as BenchAppKind;
  const workload = (process.argv[3] ?? 'parcels') as BenchWorkload;
  const app = await startBenchApp(kind, workload);
  const gc = (globalThis as {gc?: () => void}).gc;
  process.on('message', (message: string) => {
    if (message === 'cpu') {
      const usage = process.cpuUsage();
      process.send!({cpuMicros: usage.user + usage.system});
    } else if (message === 'heap') {
      gc?.();
      process.send!({heapUsed: process.memoryUsage().heapUsed});
    } else if (message === 'stop') {
      app.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    }
  });
  process.send!({port: new URL(app.restServer.url!).port});
}

main().catch(error => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
