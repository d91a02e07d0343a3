// Copyright loopback4-tenant-registry contributors. MIT License.

/*
 * Admission suite (`npm run bench:admission`): what bounds memory under
 * hostile traffic.
 *   1. heap after N distinct admitted tenants, default cap vs no cap (each in
 *      a fresh process, after many full GCs);
 *   2. the longest event-loop block while a cleanup pass evicts N tenants,
 *      sliced (RegistryManager) vs one synchronous walk;
 *   3. memory pressure when the heap is held by something else: evictions
 *      per pass (watermarks, cap per pass, backoff).
 */

import {juggler} from '@loopback/repository';
import {setFlagsFromString} from 'node:v8';
import {runInNewContext} from 'node:vm';
import {fork} from 'node:child_process';
import {
  monitorEventLoopDelay,
  performance,
  PerformanceObserver,
} from 'node:perf_hooks';
import {installJugglerBridge, ModelRegistry} from '../src';
import {runInLeasedTenant} from '../src/context/tenant-context';
import {TenantAdmission} from '../src/admission/tenant-admission';
import {RegistryManager} from '../src/observers/registry-manager.observer';
import {resolveOptions} from '../src/options/resolve-options';
import {isQuick, printTable, recordSuite} from './lib/report';

const ORDER = () => ({
  customer: String,
  address: {street: String, city: String},
  items: [{sku: String, qty: Number}],
});

function givenTenants(count: number, maxTenants = Infinity) {
  const registry = new ModelRegistry({maxTenants});
  const uninstall = installJugglerBridge(registry);
  const admission = new TenantAdmission(registry, {
    ...resolveOptions().admission,
    clock: Date,
  });
  const ds = new juggler.DataSource({name: 'db', connector: 'memory'});
  let refused = 0;
  for (let i = 0; i < count; i++) {
    const tenantId = `tenant-${i}`;
    let work;
    try {
      // No admission check is bound: admit() answers synchronously.
      work = admission.admit(tenantId);
      if (work instanceof Promise) throw new Error('async admit');
    } catch {
      refused++;
      continue;
    }
    runInLeasedTenant(work, () =>
      registry.defineTenantModel(ds, 'Order', ORDER()),
    );
  }
  return {registry, uninstall, refused};
}

/** Child process: admit `count` tenants under `cap`, report the heap. */
async function heapChild(count: number, cap: number): Promise<void> {
  const gc = (global as {gc?: () => void}).gc!;
  for (let i = 0; i < 5; i++) gc();
  const before = process.memoryUsage().heapUsed;
  const {registry, refused} = givenTenants(count, cap);
  // V8 keeps per-name compiled code until bytecode ages out (FACTS): many
  // full GCs before reading the heap.
  for (let i = 0; i < 40; i++) {
    gc();
    await new Promise(resolve => setImmediate(resolve));
  }
  process.send!({
    heapMB: (process.memoryUsage().heapUsed - before) / 2 ** 20,
    live: registry.tenantCount,
    refused,
  });
}

function heapIn(count: number, cap: number) {
  return new Promise<{heapMB: number; live: number; refused: number}>(
    (resolve, reject) => {
      const child = fork(
        __filename,
        ['--heap-child', String(count), String(cap)],
        {
          execArgv: ['--expose-gc'],
        },
      );
      child.once('message', message => {
        resolve(message as never);
        child.kill();
      });
      child.once('error', reject);
    },
  );
}

function fullGc(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

async function longestBlock(count: number, sliced: boolean) {
  const {registry, uninstall} = givenTenants(count);
  const manager = new RegistryManager(
    registry,
    resolveOptions({cleanupInterval: 0, maxIdleTime: 0, maxTenants: Infinity}),
  );
  // Time every slice (one call of evictor.walk) and every GC pause meanwhile:
  // a slice's time includes any GC that ran inside it.
  const slices: number[] = [];
  const evictor = registry.evictor;
  const walk = evictor.walk.bind(evictor);
  evictor.walk = (...args) => {
    const started = performance.now();
    try {
      return walk(...args);
    } finally {
      slices.push(performance.now() - started);
    }
  };
  // Collect the setup's garbage first, so that the pass is not charged for
  // a GC that building 20,000 tenants made due.
  fullGc();
  fullGc();
  const gcPauses: number[] = [];
  const observer = new PerformanceObserver(list => {
    for (const entry of list.getEntries()) gcPauses.push(entry.duration);
  });
  observer.observe({entryTypes: ['gc']});
  const histogram = monitorEventLoopDelay({resolution: 1});
  histogram.enable();
  // Let the monitor's timer start before the pass blocks the loop.
  await new Promise(resolve => setTimeout(resolve, 20));
  const started = performance.now();
  const evicted = sliced
    ? await manager.runCleanupPass()
    : registry.evictIdleTenants(-1);
  const totalMs = performance.now() - started;
  await new Promise(resolve => setTimeout(resolve, 20));
  histogram.disable();
  observer.disconnect();
  uninstall();
  slices.sort((a, b) => a - b);
  return {
    evicted,
    totalMs,
    slices: slices.length,
    sliceP50Ms: slices[Math.floor(slices.length / 2)],
    sliceP99Ms: slices[Math.floor(slices.length * 0.99)],
    sliceMaxMs: slices[slices.length - 1],
    longestGcMs: Math.max(0, ...gcPauses),
    maxDelayMs: histogram.max / 1e6,
  };
}

async function pressurePasses(tenants: number, passes: number) {
  const {registry, uninstall} = givenTenants(tenants);
  const heap = {usedBytes: 0.9 * 2 ** 32, limitBytes: 2 ** 32};
  const options = resolveOptions({
    cleanupInterval: 0,
    maxIdleTime: Infinity,
    maxTenants: Infinity,
    memoryPressure: {high: 0.5, low: 0.4},
  });
  const manager = new RegistryManager(registry, {
    ...options,
    memoryPressure: {...options.memoryPressure!, maxEvictionsPerPass: 500},
    heapUsage: () => heap,
  });
  const evicted: number[] = [];
  for (let i = 0; i < passes; i++) evicted.push(await manager.runCleanupPass());
  uninstall();
  return evicted;
}

export async function runAdmissionSuite() {
  const count = isQuick() ? 2000 : 20000;
  const capped = await heapIn(count, resolveOptions().maxTenants);
  const uncapped = await heapIn(count, Infinity);
  printTable(
    `admission: heap after ${count} distinct admitted tenants (a model with 2 nested objects each; 40 full GCs)`,
    ['maxTenants', 'live tenants', 'refused', 'heap growth MB'],
    [
      ['2000 (default)', capped.live, capped.refused, capped.heapMB.toFixed(1)],
      ['Infinity', uncapped.live, uncapped.refused, uncapped.heapMB.toFixed(1)],
    ],
  );
  const sliced = await longestBlock(count, true);
  const whole = await longestBlock(count, false);
  // At the default cap there are at most 2,000 tenants to evict at once.
  const atCap = await longestBlock(Math.min(count, 2000), true);
  printTable(
    'admission: event-loop block while a pass evicts every tenant',
    [
      'pass',
      'evicted',
      'total ms',
      'slices',
      'slice p50 / p99 / max ms',
      'longest GC pause ms',
      'longest loop delay ms',
    ],
    [sliced, whole, atCap].map((run, i) => [
      [
        `sliced (RegistryManager), ${count} tenants`,
        `one synchronous walk, ${count} tenants`,
        `sliced, ${atCap.evicted} tenants (the default cap)`,
      ][i],
      run.evicted,
      run.totalMs.toFixed(1),
      run.slices,
      [run.sliceP50Ms, run.sliceP99Ms, run.sliceMaxMs]
        .map(ms => ms.toFixed(1))
        .join(' / '),
      run.longestGcMs.toFixed(1),
      run.maxDelayMs.toFixed(1),
    ]),
  );
  const pressure = await pressurePasses(isQuick() ? 2000 : 5000, 12);
  printTable(
    'admission: memory pressure with the heap held elsewhere (high 0.5, low 0.4, 500 per pass)',
    ['pass', ...pressure.map((_, i) => String(i + 1))],
    [['evicted', ...pressure]],
  );
  const figures = {count, capped, uncapped, sliced, whole, atCap, pressure};
  recordSuite('admission', figures);
  return figures;
}

if (require.main === module) {
  const [flag, count, cap] = process.argv.slice(2);
  const run =
    flag === '--heap-child'
      ? heapChild(Number(count), Number(cap))
      : runAdmissionSuite();
  run.catch(error => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  });
}
