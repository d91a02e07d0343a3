// Copyright loopback4-tenant-registry contributors. MIT License.

/*
 * Service time, interleaved: the http suite's fine-grained comparison.
 *
 * Throughput rounds take seconds each, and on this shared 2-core virtual
 * machine the host's own noise moves a 2 s round by 10-20%; two identical
 * server processes also differ by 2-4% for their whole life (JIT and memory
 * layout). So here the four apps run in one process (bench/service-process.ts),
 * each gets one request at a time, in turn, and times each request itself
 * from its arrival to the last byte handed to the socket. Host noise then
 * lands on all sides alike within milliseconds and the process is the same
 * for all; the median of thousands of requests is not moved by a GC pause
 * or a descheduled slice, and the mean (which counts them) is reported too.
 *
 * The order of the sides is shuffled every turn: a fixed order favours a
 * side that comes twice in a row (its caches are still warm: 30-110 us of a
 * 900 us request here) and whichever side follows a given one.
 *
 * With `burst` above 1 each side gets that many requests in a row per turn
 * (each for another tenant), as a loaded server runs one app's requests back
 * to back: the code is warm and only the first of a burst follows another
 * app. A burst of 1 measures a request that finds the caches cold.
 */

import http, {type Server} from 'node:http';
import {performance} from 'node:perf_hooks';
import {summarize} from './report';

/** A server to send to. */
export interface Target {
  label: string;
  port: string;
}

const BODY = JSON.stringify({
  address: {street: 's', city: 'c'},
  items: [{sku: 'a', qty: 1}],
});

function send(
  agent: http.Agent,
  port: string,
  method: 'GET' | 'POST',
  tenant: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        agent,
        host: '127.0.0.1',
        port,
        method,
        path: method === 'GET' ? '/parcels/1' : '/parcels',
        headers: {
          'content-type': 'application/json',
          'x-tenant-id': `tenant-${tenant % 1000}`,
        },
      },
      response => {
        response.resume();
        response.once('end', () =>
          response.statusCode === 200
            ? resolve()
            : reject(new Error(`status ${response.statusCode}`)),
        );
      },
    );
    request.once('error', reject);
    request.end(method === 'POST' ? BODY : undefined);
  });
}

/**
 * `requests` requests to every target, one at a time, `burst` in a row per
 * target, the order of the targets shuffled each turn (seeded, so runs are
 * repeatable). The servers time themselves.
 */
export async function interleave(
  targets: Target[],
  method: 'GET' | 'POST',
  requests: number,
  seed = 0x5eed,
  burst = 1,
): Promise<void> {
  const order = targets.map(target => ({
    port: target.port,
    agent: new http.Agent({keepAlive: true, maxSockets: 1}),
  }));
  try {
    const random = seededRandom(seed);
    for (let i = 0; i < requests; i += burst) {
      shuffle(order, random);
      const end = Math.min(requests, i + burst);
      for (const {agent, port} of order) {
        for (let n = i; n < end; n++) await send(agent, port, method, n);
      }
    }
  } finally {
    for (const {agent} of order) agent.destroy();
  }
}

/** Push each request's service time (microseconds) onto `times`. */
export function recordServiceTimes(server: Server, times: number[]): void {
  server.prependListener('request', (_request, response) => {
    const start = performance.now();
    response.once('finish', () =>
      times.push((performance.now() - start) * 1000),
    );
  });
}

/** Mulberry32: a small seeded generator, uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates, in place. */
function shuffle<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
}

/** The median and the mean of a sample. */
export function centre(values: number[]): {median: number; mean: number} {
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  return {median: summarize(values).median, mean};
}
