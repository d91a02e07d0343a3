// Copyright loopback4-tenant-registry contributors. MIT License.

/*
 * The fleet suite's figures and tables: per instance and in total for each
 * routing, the removal and return of an instance, and a side-by-side
 * summary. Counts are differences of the instances' own health counters.
 */

import type {FleetPlan} from '../fleet';
import {countsBetween, type InstanceCounts} from './fleet-instances';
import {quantile, type LoadWindow} from './fleet-load';
import {printTable} from './report';

/** One instance (or the total) over the measured window. */
export interface InstanceFigures extends InstanceCounts {
  name: string;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  heapMB: number;
}

/** One balancer and routing. */
export interface ModeFigures {
  balancer: string;
  routing: string;
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
    requests: latencies.length,
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
  };
}

/** The figures of a measured window. */
export function steadyFigures(input: {
  balancer: string;
  routing: string;
  names: string[];
  window: LoadWindow;
  before: InstanceCounts[];
  after: InstanceCounts[];
  heaps: number[];
  upstreamName: (upstream: string) => string;
}): ModeFigures {
  const {window} = input;
  const byName = new Map<string, number[]>();
  for (const [upstream, latencies] of window.latencies) {
    const name = input.upstreamName(upstream);
    byName.set(name, [...(byName.get(name) ?? []), ...latencies]);
  }
  const instances = input.names.map((name, i) => ({
    name,
    ...countsBetween(input.before[i], input.after[i]),
    ...latencyFigures(byName.get(name) ?? []),
    heapMB: input.heaps[i] / 2 ** 20,
  }));
  const sum = (key: keyof InstanceCounts | 'heapMB') =>
    instances.reduce((total, instance) => total + instance[key], 0);
  return {
    balancer: input.balancer,
    routing: input.routing,
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
      ...latencyFigures([...window.latencies.values()].flat()),
      heapMB: sum('heapMB'),
    },
  };
}

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

const ms = (value: number) => value.toFixed(1);
const mb = (value: number) => value.toFixed(1);

/** The table of one balancer and routing. */
export function printMode(figures: ModeFigures, plan: FleetPlan): void {
  printTable(
    `fleet: ${figures.balancer}, ${figures.routing}: ${plan.tenants} active tenants (uniform), maxTenants ${plan.maxTenants}, protectionWindow ${plan.protectionWindow} ms, ${plan.connections} connections; counts over ${figures.seconds.toFixed(0)} s after the warm-up (${figures.requestsPerSecond.toFixed(0)} req/s)`,
    [
      'instance',
      'tenants held',
      'capacity evictions',
      'models built',
      '503 TENANT_CAPACITY',
      'requests',
      'p50 ms',
      'p99 ms',
      'heap MB',
    ],
    [...figures.instances, figures.total].map(row => [
      row.name,
      row.tenants,
      row.capacityEvictions,
      row.modelsBuilt,
      row.capacityRefusals,
      row.requests,
      ms(row.p50Ms),
      ms(row.p99Ms),
      mb(row.heapMB),
    ]),
  );
}

/** The removal and return of i3, for a hashing mode. */
export function printChange(figures: ModeFigures, plan: FleetPlan): void {
  const {removed, restored} = figures.change!;
  const each = (
    step: StepFigures,
    key: Exclude<keyof InstanceCounts, 'admitted'>,
  ) => step.instances.map(i => `${i.name} ${i[key]}`).join(', ');
  const errors = (step: StepFigures) =>
    Object.entries(step.statuses)
      .filter(([status]) => status !== '200' && status !== '503')
      .reduce((total, [, count]) => total + count, 0);
  printTable(
    `fleet: ${figures.balancer}, ${figures.routing}: i3 removed from the balancer and stopped, then a fresh i3 added back at its address; each step watched ${plan.changeSeconds} s`,
    [
      'step',
      'tenants moved',
      'moved between the others',
      'back where they were',
      'tenants held at the end',
      'models built',
      'capacity evictions',
      '503 TENANT_CAPACITY',
      'other errors',
      'churn lasted s',
      'churn at the end /s',
    ],
    [removed, restored].map(step => [
      step.step,
      step.movedTenants,
      step.movedElsewhere,
      step.sameAsBefore ?? '',
      each(step, 'tenants'),
      each(step, 'modelsBuilt'),
      each(step, 'capacityEvictions'),
      each(step, 'capacityRefusals'),
      errors(step),
      step.churnSeconds.toFixed(1),
      step.tailChurnPerSecond.toFixed(1),
    ]),
  );
}

/** Every mode side by side. */
export function printSummary(modes: ModeFigures[], plan: FleetPlan): void {
  const rows: [string, (mode: ModeFigures) => string | number][] = [
    ['requests/s', m => m.requestsPerSecond.toFixed(0)],
    [
      'tenants held per instance',
      m => m.instances.map(i => i.tenants).join(' / '),
    ],
    ['tenants held, total', m => m.total.tenants],
    ['capacity evictions', m => m.total.capacityEvictions],
    ['models built', m => m.total.modelsBuilt],
    [
      '503 TENANT_CAPACITY (% of requests)',
      m =>
        `${m.total.capacityRefusals} (${((100 * m.total.capacityRefusals) / m.requests).toFixed(1)}%)`,
    ],
    ['p50 ms', m => ms(m.total.p50Ms)],
    ['p99 ms', m => ms(m.total.p99Ms)],
    ['heap MB, total', m => mb(m.total.heapMB)],
  ];
  printTable(
    `fleet: side by side, 3 instances, ${plan.tenants} active tenants, maxTenants ${plan.maxTenants}, protectionWindow ${plan.protectionWindow} ms; counts over ${plan.seconds} s after the warm-up`,
    ['', ...modes.map(m => `${m.balancer} ${m.routing}`)],
    rows.map(([label, read]) => [label, ...modes.map(read)]),
  );
}
