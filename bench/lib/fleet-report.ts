// Copyright loopback4-tenant-registry contributors. MIT License.

/*
 * The fleet suite's figures and tables: per instance and in total for each
 * routing, the removal and return of an instance, and a side-by-side
 * summary. Counts are differences of the instances' own health counters.
 */

import {
  countsBetween,
  type InstanceCounts,
  type ProcessStats,
} from './fleet-instances';
import {quantile, type LoadWindow} from './fleet-load';

/** One instance (or the total) over the measured window. */
export interface InstanceFigures extends InstanceCounts {
  name: string;
  /** Responses, any status. */
  requests: number;
  /** Latency percentiles of the 200 responses. */
  p50Ms: number;
  p99Ms: number;
  /**
   * The instance's CPU time (user + system) per 200 response, microseconds:
   * what serving a request costs, its share of refusals and rebuilds included.
   */
  cpuMicrosPer200: number;
  /** heapUsed after a full GC at the end of the window. */
  heapMB: number;
  /** heapUsed after a full GC once started, before any request. */
  heapAtStartMB: number;
}

/** One balancer and routing. */
export interface ModeFigures {
  balancer: string;
  routing: string;
  /** The instances' `protectionWindow`, ms. */
  protectionWindow: number;
  seconds: number;
  requests: number;
  requestsPerSecond: number;
  /** 503 `TENANT_CAPACITY` as the load saw them (instances count them too). */
  refusalsSeen: number;
  statuses: Record<string, number>;
  instances: InstanceFigures[];
  total: InstanceFigures;
  change?: ChangeFigures;
}

/** The fleet's counts at one moment, by instance process. */
export interface Sample {
  /** Seconds since the change began. */
  at: number;
  counts: Map<{name: string}, InstanceCounts>;
}

/** One step: i3 removed, or i3 back. */
export interface StepFigures {
  step: string;
  seconds: number;
  requests: number;
  statuses: Record<string, number>;
  /** Tenants answered by another instance than in the step before. */
  movedTenants: number;
  /** Of those, tenants that moved between instances that did not change. */
  movedElsewhere: number;
  /** Tenants answered by the instance that had them before the removal. */
  sameAsBefore?: number;
  /** Per instance at the step's end: its counts during the step. */
  instances: (InstanceCounts & {name: string})[];
  /** From the change to the last half second with a build or a 503. */
  churnSeconds: number;
  /** Builds and 503s per second over the step's last 5 s (0: settled). */
  tailChurnPerSecond: number;
}

export interface ChangeFigures {
  removed: StepFigures;
  restored: StepFigures;
}

const ZERO: InstanceCounts = {
  tenants: 0,
  capacityEvictions: 0,
  modelsBuilt: 0,
  capacityRefusals: 0,
  admitted: 0,
};

function latencyFigures(latencies: number[]) {
  return {
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
  };
}

/** The figures of a measured window. */
export function steadyFigures(input: {
  balancer: string;
  routing: string;
  protectionWindow: number;
  names: string[];
  window: LoadWindow;
  before: InstanceCounts[];
  after: InstanceCounts[];
  /** Each instance's heap and CPU once started, before and after the window. */
  processes: ProcessStats[][];
  upstreamName: (upstream: string) => string;
}): ModeFigures {
  const {window} = input;
  const byName = new Map<string, number[]>();
  for (const [upstream, latencies] of window.latencies) {
    const name = input.upstreamName(upstream);
    byName.set(name, [...(byName.get(name) ?? []), ...latencies]);
  }
  const responses = new Map<string, number>();
  for (const [upstream, count] of window.responses) {
    const name = input.upstreamName(upstream);
    responses.set(name, (responses.get(name) ?? 0) + count);
  }
  const [atStart, before, after] = input.processes;
  const instances = input.names.map((name, i) => ({
    name,
    ...countsBetween(input.before[i], input.after[i]),
    requests: responses.get(name) ?? 0,
    ...latencyFigures(byName.get(name) ?? []),
    cpuMicrosPer200:
      (after[i].cpuMicros - before[i].cpuMicros) /
      (byName.get(name)?.length ?? 0),
    heapMB: after[i].heapUsed / 2 ** 20,
    heapAtStartMB: atStart[i].heapUsed / 2 ** 20,
  }));
  const sum = (
    key: keyof InstanceCounts | 'heapMB' | 'heapAtStartMB' | 'requests',
  ) => instances.reduce((total, instance) => total + instance[key], 0);
  return {
    balancer: input.balancer,
    routing: input.routing,
    protectionWindow: input.protectionWindow,
    seconds: window.seconds,
    requests: window.requests,
    requestsPerSecond: window.requests / window.seconds,
    refusalsSeen: window.capacityRefusals,
    statuses: window.statuses,
    instances,
    total: {
      name: 'total',
      tenants: sum('tenants'),
      capacityEvictions: sum('capacityEvictions'),
      modelsBuilt: sum('modelsBuilt'),
      capacityRefusals: sum('capacityRefusals'),
      admitted: sum('admitted'),
      requests: sum('requests'),
      ...latencyFigures([...window.latencies.values()].flat()),
      cpuMicrosPer200:
        (sumOf(after) - sumOf(before)) / (window.statuses['200'] ?? 0),
      heapMB: sum('heapMB'),
      heapAtStartMB: sum('heapAtStartMB'),
    },
  };
}

const sumOf = (stats: ProcessStats[]) =>
  stats.reduce((total, s) => total + s.cpuMicros, 0);

/** The figures of the removal and the return of i3. */
export function changeFigures(input: {
  names: (upstream: string) => string;
  /** Routes before the removal, while removed, after the return. */
  routes: Map<string, string>[];
  windows: LoadWindow[];
  /** When i3 was removed, when it was back, when watching ended. */
  at: number[];
  samples: Sample[];
}): ChangeFigures {
  const sorted = [...input.samples].sort((a, b) => a.at - b.at);
  const named = input.routes.map(
    routes =>
      new Map([...routes].map(([tenant, up]) => [tenant, input.names(up)])),
  );
  const step = (index: number, label: string): StepFigures => {
    const [start, end] = [input.at[index], input.at[index + 1]];
    const {movedTenants, movedElsewhere} = compareRoutes(
      named[index],
      named[index + 1],
      'i3',
    );
    const samples = sorted.filter(s => s.at >= start && s.at <= end);
    const first = sorted.filter(s => s.at <= start).pop();
    return {
      step: label,
      seconds: end - start,
      requests: input.windows[index].requests,
      statuses: input.windows[index].statuses,
      movedTenants,
      movedElsewhere,
      sameAsBefore:
        index === 1
          ? compareRoutes(named[0], named[2], 'i3').unchanged
          : undefined,
      ...churn(first, samples, start, end),
    };
  };
  return {removed: step(0, 'i3 removed'), restored: step(1, 'i3 back')};
}

function compareRoutes(
  before: Map<string, string>,
  after: Map<string, string>,
  changed: string,
) {
  let movedTenants = 0;
  let movedElsewhere = 0;
  let unchanged = 0;
  for (const [tenant, instance] of after) {
    const previous = before.get(tenant);
    if (previous === undefined) continue;
    if (previous === instance) {
      unchanged++;
      continue;
    }
    movedTenants++;
    if (previous !== changed && instance !== changed) movedElsewhere++;
  }
  return {movedTenants, movedElsewhere, unchanged};
}

function churn(
  baseline: Sample | undefined,
  samples: Sample[],
  start: number,
  end: number,
) {
  const last = samples[samples.length - 1];
  const instances: StepFigures['instances'] = [];
  for (const [instance, counts] of last?.counts ?? []) {
    const from = baseline?.counts.get(instance) ?? ZERO;
    instances.push({name: instance.name, ...countsBetween(from, counts)});
  }
  instances.sort((a, b) => a.name.localeCompare(b.name));
  let previous = baseline;
  let churnEnd = start;
  let tail = 0;
  for (const sample of samples) {
    let delta = 0;
    for (const [instance, counts] of sample.counts) {
      const from = previous?.counts.get(instance) ?? ZERO;
      delta +=
        counts.modelsBuilt -
        from.modelsBuilt +
        counts.capacityRefusals -
        from.capacityRefusals;
    }
    if (delta > 0) churnEnd = sample.at;
    if (delta > 0 && sample.at > end - 5) tail += delta;
    previous = sample;
  }
  return {
    instances,
    churnSeconds: churnEnd - start,
    tailChurnPerSecond: tail / Math.min(5, end - start),
  };
}
