// Copyright loopback4-tenant-registry contributors. MIT License.

/*
 * The fleet suite's app instances (bench/fleet-instance.js in child
 * processes) and their counts, read from each one's own health endpoint
 * (`GET /health/tenant-registry`, straight to the instance, not through the
 * balancer): nothing is re-derived from the load's side.
 */

import {fork, type ChildProcess} from 'node:child_process';
import path from 'node:path';
import type {TenantRegistryHealth} from '../../src/observability/tenant-health';

/** An instance's counters, as its health endpoint reports them. */
export interface InstanceCounts {
  /** Live tenants (`tenantScopes`). */
  tenants: number;
  /** Evictions with reason `capacity`. */
  capacityEvictions: number;
  /** Models built and registered (`modelsCreated`). */
  modelsBuilt: number;
  /** Admissions refused with 503 `TENANT_CAPACITY` (`admissions.capacity`). */
  capacityRefusals: number;
  /** Tenants admitted (`admissions.admitted`). */
  admitted: number;
}

/** An instance process's heap and CPU time. */
export interface ProcessStats {
  heapUsed: number;
  cpuMicros: number;
}

/** The counts from `before` to `after`; `tenants` is `after`'s. */
export function countsBetween(
  before: InstanceCounts,
  after: InstanceCounts,
): InstanceCounts {
  return {
    tenants: after.tenants,
    capacityEvictions: after.capacityEvictions - before.capacityEvictions,
    modelsBuilt: after.modelsBuilt - before.modelsBuilt,
    capacityRefusals: after.capacityRefusals - before.capacityRefusals,
    admitted: after.admitted - before.admitted,
  };
}

/** One app instance in a child process. */
export class FleetInstance {
  private constructor(
    readonly name: string,
    readonly port: number,
    private readonly child: ChildProcess,
  ) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Start instance `name` on `port` (0: any free one). */
  static start(
    name: string,
    port: number,
    maxTenants: number,
    protectionWindow: number,
  ): Promise<FleetInstance> {
    const script = path.join(__dirname, '..', 'fleet-instance.js');
    const child = fork(
      script,
      [String(port), String(maxTenants), String(protectionWindow)],
      {
        execArgv: ['--expose-gc'],
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      },
    );
    return new Promise((resolve, reject) => {
      child.once('message', (message: {port: number}) =>
        resolve(new FleetInstance(name, message.port, child)),
      );
      child.once('exit', code =>
        reject(new Error(`instance ${name} exited: ${code}`)),
      );
    });
  }

  async counts(): Promise<InstanceCounts> {
    const response = await fetch(
      `http://${this.address}/health/tenant-registry`,
    );
    const {metrics} = (await response.json()) as TenantRegistryHealth;
    return {
      tenants: metrics.tenantScopes,
      capacityEvictions: metrics.evictions.capacity,
      modelsBuilt: metrics.modelsCreated,
      capacityRefusals: metrics.admissions.capacity,
      admitted: metrics.admissions.admitted,
    };
  }

  /** heapUsed after a full GC (bytes) and CPU time used (microseconds). */
  stats(): Promise<ProcessStats> {
    return new Promise(resolve => {
      this.child.once('message', resolve);
      this.child.send('stats');
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    this.child.removeAllListeners('exit');
    const exited = new Promise(resolve => this.child.once('exit', resolve));
    this.child.send('stop');
    await exited;
  }
}
