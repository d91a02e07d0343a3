// Copyright loopback4-tenant-registry contributors. MIT License.

/*
 * The mechanics of the http suite: bench servers in child processes (on the
 * Node binary and flags asked for, pinned to core 0 where `taskset` exists)
 * and one autocannon round against a server, with the server's own CPU time
 * and latencies kept at microsecond resolution.
 */

import autocannon from 'autocannon';
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

/** A bench server process. */
export interface BenchServer {
  readonly label: string;
  readonly child: ChildProcess;
  readonly port: string;
}

/** One round against one server. */
export interface Round {
  rps: number;
  /** The server's CPU time (user + system) per request, microseconds. */
  cpuMicrosPerRequest: number;
  /** Latency percentiles in milliseconds, from every response's own time. */
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  /** 1-minute load average when the round ended. */
  load: number;
}

/** Where and how the servers run. */
export interface ServerRuntime {
  /** The Node binary. @defaultValue this process's */
  node?: string;
  /** Extra Node flags (e.g. `--experimental-async-context-frame`). */
  flags?: string[];
}

export const hasTaskset = spawnSync('taskset', ['-V']).status === 0;

/** Start `http-server.js <kind> <workload>` and wait for its port. */
export function startServer(
  label: string,
  args: string[],
  runtime: ServerRuntime = {},
): Promise<BenchServer> {
  const script = path.join(__dirname, '..', 'http-server.js');
  const child = spawnBenchProcess(runtime, [
    '--expose-gc',
    ...(runtime.flags ?? []),
    script,
    ...args,
  ]);
  return new Promise((resolve, reject) => {
    child.once('message', (message: {port: string}) =>
      resolve({label, child, port: message.port}),
    );
    child.once('exit', code =>
      reject(new Error(`${label} server exited: ${code}`)),
    );
  });
}

/**
 * A bench child process on the Node binary asked for, pinned to core 0
 * where `taskset` exists (the parent runs on core 1), with an IPC channel.
 */
export function spawnBenchProcess(
  runtime: ServerRuntime,
  nodeArgs: string[],
): ChildProcess {
  const node = runtime.node ?? process.execPath;
  const [command, commandArgs] = hasTaskset
    ? ['taskset', ['-c', '0', node, ...nodeArgs]]
    : [node, nodeArgs];
  return spawn(command, commandArgs, {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
}

/** Ask a server for a figure over IPC (`cpu` or `heap`). */
export function ask(
  server: BenchServer,
  what: 'cpu' | 'heap',
): Promise<number> {
  return new Promise(resolve => {
    server.child.once('message', (m: {cpuMicros?: number; heapUsed?: number}) =>
      resolve((what === 'cpu' ? m.cpuMicros : m.heapUsed) ?? NaN),
    );
    server.child.send(what);
  });
}

/** Stop a server and wait for its process to end. */
export function stopServer(server: BenchServer): Promise<void> {
  return new Promise(resolve => {
    server.child.once('exit', () => resolve());
    server.child.send('stop');
  });
}

/** The Node version of a binary, e.g. `v22.23.5`. */
export function nodeVersion(node: string): string {
  return spawnSync(node, ['--version'], {encoding: 'utf8'}).stdout.trim();
}

const BODY = JSON.stringify({
  address: {street: 's', city: 'c'},
  items: [{sku: 'a', qty: 1}],
});

/**
 * One autocannon round: 10 connections, a tenant id rotating over 1,000
 * tenants per request.
 */
export async function round(
  server: BenchServer,
  method: 'GET' | 'POST',
  seconds: number,
): Promise<Round> {
  let next = 0;
  const latencies: number[] = [];
  const before = await ask(server, 'cpu');
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${server.port}`,
        connections: 10,
        duration: seconds,
        requests: [
          {
            method,
            path: method === 'GET' ? '/parcels/1' : '/parcels',
            headers: {'content-type': 'application/json'},
            body: method === 'POST' ? BODY : undefined,
            setupRequest: request => ({
              ...request,
              headers: {
                ...request.headers,
                'x-tenant-id': `tenant-${next++ % 1000}`,
              },
            }),
          },
        ],
      },
      (error, done) => (error ? reject(error) : resolve(done)),
    );
    instance.on('response', (_client, _status, _bytes, milliseconds) =>
      latencies.push(milliseconds),
    );
  });
  const after = await ask(server, 'cpu');
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return {
    rps: result.requests.total / seconds,
    cpuMicrosPerRequest: (after - before) / Math.max(1, result.requests.total),
    p50: at(0.5),
    p99: at(0.99),
    requests: result.requests.total,
    errors: result.errors + result.non2xx,
    load: os.loadavg()[0],
  };
}
