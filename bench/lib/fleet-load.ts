// Copyright loopback4-tenant-registry contributors. MIT License.

/*
 * The fleet suite's load: a fixed number of keep-alive connections to the
 * balancer, each sending `GET /orders` for a tenant drawn uniformly at
 * random (seeded) from the active set, one request at a time. Per instance
 * (the balancer's `x-upstream` header) it counts the responses and keeps
 * the latencies of the 200s (a 503 is answered without the work, so mixing
 * them in would make refusals look like speed); overall, the statuses;
 * per tenant, the instance that answered it last.
 */

import {Agent, request} from 'node:http';
import {seededRandom} from './http-interleaved';

/** What the load saw since the last `take()`. */
export interface LoadWindow {
  seconds: number;
  requests: number;
  /** Responses by status code. */
  statuses: Record<string, number>;
  /** 503 responses whose body's `error.code` is `TENANT_CAPACITY`. */
  capacityRefusals: number;
  /** Responses by the instance that answered (`x-upstream`). */
  responses: Map<string, number>;
  /** Latencies in ms of the 200 responses, by the instance that answered. */
  latencies: Map<string, number[]>;
}

/** Load on a balancer; `start()`, then `take()` windows, then `stop()`. */
export class FleetLoad {
  private routes = new Map<string, string>();
  private readonly agent: Agent;
  private running = false;
  private workers: Promise<void>[] = [];
  private window = FleetLoad.emptyWindow();
  private windowStart = performance.now();

  constructor(
    private readonly port: number,
    private readonly tenants: string[],
    private readonly connections: number,
    private readonly seed: number,
  ) {
    this.agent = new Agent({keepAlive: true, maxSockets: connections});
  }

  /** Send one request for every tenant (in order), then return. */
  async visitAll(): Promise<void> {
    let next = 0;
    await Promise.all(
      Array.from({length: this.connections}, async () => {
        while (next < this.tenants.length)
          await this.send(this.tenants[next++]);
      }),
    );
  }

  /** Start the uniform random load. */
  start(): void {
    this.running = true;
    this.workers = Array.from({length: this.connections}, (_, i) =>
      this.work(seededRandom(this.seed + i)),
    );
  }

  /** What happened since the last `take()` (or the start). */
  take(): LoadWindow {
    const now = performance.now();
    const window = {...this.window, seconds: (now - this.windowStart) / 1000};
    this.window = FleetLoad.emptyWindow();
    this.windowStart = now;
    return window;
  }

  /**
   * The instance that answered each tenant last, for the tenants requested
   * since the last `takeRoutes()` (or the start).
   */
  takeRoutes(): Map<string, string> {
    const routes = this.routes;
    this.routes = new Map();
    return routes;
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
    this.agent.destroy();
  }

  private async work(next: () => number): Promise<void> {
    while (this.running) {
      await this.send(this.tenants[Math.floor(next() * this.tenants.length)]);
    }
  }

  private send(tenantId: string): Promise<void> {
    const started = performance.now();
    return new Promise(resolve => {
      const req = request(
        {
          host: '127.0.0.1',
          port: this.port,
          path: '/orders',
          agent: this.agent,
          headers: {'x-tenant-id': tenantId},
        },
        res => {
          const chunks: Buffer[] = [];
          res.on('data', chunk => chunks.push(chunk));
          res.on('end', () => {
            const upstream = String(res.headers['x-upstream'] ?? 'none');
            this.record(upstream, res.statusCode ?? 0, started, chunks);
            this.routes.set(tenantId, upstream);
            resolve();
          });
        },
      );
      req.on('error', () => {
        this.record('none', 0, started, []);
        resolve();
      });
      req.end();
    });
  }

  private record(
    upstream: string,
    status: number,
    started: number,
    body: Buffer[],
  ): void {
    const window = this.window;
    window.requests++;
    window.statuses[status] = (window.statuses[status] ?? 0) + 1;
    if (
      status === 503 &&
      Buffer.concat(body).toString().includes('"TENANT_CAPACITY"')
    ) {
      window.capacityRefusals++;
    }
    window.responses.set(upstream, (window.responses.get(upstream) ?? 0) + 1);
    if (status !== 200) return;
    let latencies = window.latencies.get(upstream);
    if (latencies === undefined) {
      latencies = [];
      window.latencies.set(upstream, latencies);
    }
    latencies.push(performance.now() - started);
  }

  private static emptyWindow(): LoadWindow {
    return {
      seconds: 0,
      requests: 0,
      statuses: {},
      capacityRefusals: 0,
      responses: new Map(),
      latencies: new Map(),
    };
  }
}

/** The `q` quantile (0..1) of a sample, in place-sorted order. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  values.sort((a, b) => a - b);
  return values[Math.min(values.length - 1, Math.floor(values.length * q))];
}
