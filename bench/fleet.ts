// Copyright loopback4-tenant-registry contributors. MIT License.

/*
 * Fleet suite (`npm run bench:fleet`): what routing does to each instance's
 * tenants. Three instances of the example store (bench/fleet-instance.ts,
 * `maxTenants` 400 each) behind a real load balancer (nginx, then HAProxy,
 * from the system's packages; skipped with a message where missing), driven
 * by a fixed number of keep-alive connections, each sending one request at
 * a time for a tenant drawn uniformly at random from 900 active ones. For
 * each balancer, round-robin against consistent hashing on `x-tenant-id`:
 * per instance, tenants held, capacity evictions, models built, 503
 * `TENANT_CAPACITY`, p50/p99 latency and heap (counts from each instance's
 * health endpoint). With hashing, instance i3 is then removed from the
 * balancer and stopped, and a fresh i3 added back on the same address: how
 * many tenants move and how long the churn lasts.
 *
 *   node dist/bench/fleet.js [--quick] [--tenants=900] [--max-tenants=400]
 *     [--protection-window=MS] [--connections=16] [--seconds=30]
 *     [--change-seconds=30] [--balancers=nginx,haproxy] [--results=NAME.json]
 */

import {
  findBalancer,
  RunningBalancer,
  type BalancerKind,
  type Routing,
} from './lib/fleet-balancers';
import {FleetInstance, type InstanceCounts} from './lib/fleet-instances';
import {FleetLoad} from './lib/fleet-load';
import {
  changeFigures,
  steadyFigures,
  type ChangeFigures,
  type ModeFigures,
  type Sample,
} from './lib/fleet-report';
import {printChange, printMode, printSummary} from './lib/fleet-tables';
import {cliOption, isQuick, recordSuite} from './lib/report';
import {resolveOptions} from '../src/options/resolve-options';

/** What a run does; every field has a command-line option. */
export interface FleetPlan {
  tenants: number;
  maxTenants: number;
  /** The instances' `protectionWindow`, ms. */
  protectionWindow: number;
  connections: number;
  /** Uniform load after the warm-up before the counts are read. */
  warmupSeconds: number;
  /** The measured window. */
  seconds: number;
  /** How long each step of the removal and the return is watched. */
  changeSeconds: number;
  balancers: BalancerKind[];
}

const NAMES = ['i1', 'i2', 'i3'];
const SEED = 29;
const SAMPLE_MS = 500;
const DEFAULT_WINDOW = resolveOptions().protectionWindow;

function planFromArgs(): FleetPlan {
  const quick = isQuick();
  const number = (name: string, full: number, short: number) =>
    Number(cliOption(name, String(quick ? short : full)));
  return {
    tenants: number('tenants', 900, 900),
    maxTenants: number('max-tenants', 400, 400),
    protectionWindow: number('protection-window', 2000, 2000),
    connections: number('connections', 16, 16),
    warmupSeconds: number('warmup-seconds', 10, 5),
    seconds: number('seconds', 30, 10),
    changeSeconds: number('change-seconds', 30, 15),
    balancers: cliOption('balancers', 'nginx,haproxy').split(
      ',',
    ) as BalancerKind[],
  };
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

async function countsOf(instances: FleetInstance[]) {
  return Promise.all(instances.map(instance => instance.counts()));
}

/** Polls every live instance's counts while a change plays out. */
class Sampler {
  readonly samples: Sample[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly started = performance.now();

  constructor(private readonly instances: () => FleetInstance[]) {
    // sample() never rejects: a failed read skips that instance.
    this.timer = setInterval(() => {
      this.sample().catch(() => {});
    }, SAMPLE_MS);
  }

  async sample(): Promise<void> {
    const at = (performance.now() - this.started) / 1000;
    const counts = new Map<FleetInstance, InstanceCounts>();
    await Promise.all(
      this.instances().map(instance =>
        instance.counts().then(
          value => counts.set(instance, value),
          () => {}, // stopped meanwhile
        ),
      ),
    );
    this.samples.push({at, counts});
  }

  /** Seconds since the sampler started. */
  now(): number {
    return (performance.now() - this.started) / 1000;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

async function removeAndRestore(
  instances: FleetInstance[],
  balancer: RunningBalancer,
  load: FleetLoad,
  plan: FleetPlan,
): Promise<ChangeFigures> {
  const routesBefore = load.takeRoutes();
  const sampler = new Sampler(() => instances);
  const removed = instances[2];
  await sampler.sample();
  const removedAt = sampler.now();
  await balancer.remove(removed.name);
  await removed.stop();
  instances.splice(2, 1);
  await sleep(plan.changeSeconds * 1000);
  await sampler.sample();
  const routesWithout = load.takeRoutes();
  const without = load.take();
  const fresh = await FleetInstance.start(
    removed.name,
    removed.port,
    plan.maxTenants,
    plan.protectionWindow,
  );
  await sampler.sample();
  const restoredAt = sampler.now();
  await balancer.restore(fresh.name);
  // Sampled from now on, from zero: none of its counts precede the return.
  instances.push(fresh);
  await sleep(plan.changeSeconds * 1000);
  await sampler.sample();
  sampler.stop();
  const routesBack = load.takeRoutes();
  const back = load.take();
  return changeFigures({
    names: address => nameOf(instances, address),
    routes: [routesBefore, routesWithout, routesBack],
    windows: [without, back],
    at: [removedAt, restoredAt, sampler.now()],
    samples: sampler.samples,
  });
}

function nameOf(instances: FleetInstance[], upstream: string): string {
  const instance = instances.find(
    i => i.address === upstream || i.name === upstream,
  );
  return instance?.name ?? upstream;
}

async function runMode(
  kind: BalancerKind,
  binary: string,
  routing: Routing,
  plan: FleetPlan,
): Promise<ModeFigures> {
  const instances: FleetInstance[] = [];
  for (const name of NAMES) {
    instances.push(
      await FleetInstance.start(
        name,
        0,
        plan.maxTenants,
        plan.protectionWindow,
      ),
    );
  }
  let balancer: RunningBalancer | undefined;
  let load: FleetLoad | undefined;
  try {
    const atStart = await Promise.all(instances.map(i => i.stats()));
    balancer = await RunningBalancer.start(kind, binary, routing, instances);
    const tenants = Array.from(
      {length: plan.tenants},
      (_, i) => `tenant-${String(i).padStart(4, '0')}`,
    );
    load = new FleetLoad(balancer.port, tenants, plan.connections, SEED);
    await load.visitAll();
    load.start();
    await sleep(plan.warmupSeconds * 1000);
    const before = await countsOf(instances);
    const cpuBefore = await Promise.all(instances.map(i => i.stats()));
    load.take();
    await sleep(plan.seconds * 1000);
    const window = load.take();
    const after = await countsOf(instances);
    const atEnd = await Promise.all(instances.map(i => i.stats()));
    const figures = steadyFigures({
      balancer: kind,
      routing,
      protectionWindow: plan.protectionWindow,
      names: NAMES,
      window,
      before,
      after,
      processes: [atStart, cpuBefore, atEnd],
      upstreamName: upstream => nameOf(instances, upstream),
    });
    printMode(figures, plan);
    if (routing === 'tenant-hash') {
      figures.change = await removeAndRestore(instances, balancer, load, plan);
      printChange(figures, plan);
    }
    return figures;
  } finally {
    await load?.stop();
    await balancer?.stop();
    for (const instance of instances) await instance.stop();
  }
}

export async function runFleetSuite(plan = planFromArgs()) {
  const modes: ModeFigures[] = [];
  const skipped: string[] = [];
  for (const kind of plan.balancers) {
    const binary = findBalancer(kind);
    if (binary === undefined) {
      skipped.push(kind);
      process.stdout.write(
        `\nfleet: ${kind} is not installed, skipped (Debian: apt-get install ${kind})\n`,
      );
      continue;
    }
    for (const routing of ['round-robin', 'tenant-hash'] as Routing[]) {
      modes.push(await runMode(kind, binary, routing, plan));
    }
    if (modes.length === 2 && plan.protectionWindow !== DEFAULT_WINDOW) {
      // Once: round-robin with the default window, where the held set freezes.
      const withDefault = {...plan, protectionWindow: DEFAULT_WINDOW};
      modes.push(await runMode(kind, binary, 'round-robin', withDefault));
    }
  }
  if (modes.length > 0) printSummary(modes, plan);
  recordSuite('fleet', {plan, modes, skipped});
  return {plan, modes, skipped};
}

if (require.main === module) {
  runFleetSuite().then(
    () => process.exit(0),
    error => {
      process.stderr.write(`${error?.stack ?? error}\n`);
      process.exit(1);
    },
  );
}
