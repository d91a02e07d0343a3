// Copyright loopback4-tenant-registry contributors. MIT License.

/*
 * The fleet suite's tables: one per balancer and routing, the removal and
 * return of an instance, and every mode side by side.
 */

import type {FleetPlan} from '../fleet';
import type {InstanceCounts} from './fleet-instances';
import type {ModeFigures, StepFigures} from './fleet-report';
import {printTable} from './report';

/** `nginx round-robin`, with the window when it is not the plan's. */
function label(mode: ModeFigures, usual = mode.protectionWindow): string {
  const window =
    mode.protectionWindow === usual
      ? ''
      : `, window ${mode.protectionWindow / 1000} s`;
  return `${mode.balancer} ${mode.routing}${window}`;
}

const ms = (value: number) => value.toFixed(1);
const mb = (value: number) => value.toFixed(1);

/** The table of one balancer and routing. */
export function printMode(figures: ModeFigures, plan: FleetPlan): void {
  printTable(
    `fleet: ${label(figures)}: ${plan.tenants} active tenants (uniform), maxTenants ${plan.maxTenants}, protectionWindow ${figures.protectionWindow} ms, ${plan.connections} connections; counts over ${figures.seconds.toFixed(0)} s after the warm-up (${figures.requestsPerSecond.toFixed(0)} req/s)`,
    [
      'instance',
      'tenants held',
      'capacity evictions',
      'models built',
      '503 TENANT_CAPACITY',
      'requests',
      'p50 / p99 ms (200s)',
      'CPU us per 200',
      'heap MB (at start)',
    ],
    [...figures.instances, figures.total].map(row => [
      row.name,
      row.tenants,
      row.capacityEvictions,
      row.modelsBuilt,
      row.capacityRefusals,
      row.requests,
      `${ms(row.p50Ms)} / ${ms(row.p99Ms)}`,
      row.cpuMicrosPer200.toFixed(0),
      `${mb(row.heapMB)} (${mb(row.heapAtStartMB)})`,
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
    `fleet: ${figures.balancer}, ${figures.routing}: i3 removed from the balancer and stopped, then a fresh i3 added back at its address; each step watched ${plan.changeSeconds} s (plus the fresh i3's start in the first)`,
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
      'last build or 503 after s',
      'builds and 503s /s, last 5 s',
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
    [
      'responses/s (200s/s)',
      m =>
        `${m.requestsPerSecond.toFixed(0)} (${((m.statuses['200'] ?? 0) / m.seconds).toFixed(0)})`,
    ],
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
    ['p50 ms (200s)', m => ms(m.total.p50Ms)],
    ['p99 ms (200s)', m => ms(m.total.p99Ms)],
    ['instance CPU us per 200', m => m.total.cpuMicrosPer200.toFixed(0)],
    [
      'heap MB, total (at start)',
      m => `${mb(m.total.heapMB)} (${mb(m.total.heapAtStartMB)})`,
    ],
  ];
  printTable(
    `fleet: side by side, 3 instances, ${plan.tenants} active tenants, maxTenants ${plan.maxTenants}, protectionWindow ${plan.protectionWindow} ms; counts over ${plan.seconds} s after the warm-up`,
    ['', ...modes.map(m => label(m, plan.protectionWindow))],
    rows.map(([name, read]) => [name, ...modes.map(read)]),
  );
}
