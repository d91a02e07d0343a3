// Copyright loopback4-tenant-registry contributors. MIT License.

/*
 * Memory suite: each scenario of the bridge issue, plain juggler vs with the
 * bridge, each in its own process, side by side in one run.
 *
 *   npm run bench:memory [-- --quick] [-- --tenants=5000] [-- --requests=3]
 */

import {execFile} from 'node:child_process';
import {promisify} from 'node:util';
import path from 'node:path';
import {fixed, isQuick, printTable, recordSuite} from './lib/report';
import {SCENARIOS} from './memory-scenario';

interface ScenarioResult {
  scenario: string;
  mode: string;
  tenants: number;
  requests: number;
  anonymousLoaded: number;
  anonymousReleased: number;
  bytesPerTenantLoaded: number;
  bytesPerTenantReleased: number;
  bytesPerTenantSecondCycle: number;
}

function option(name: string, fallback: number): number {
  const arg = process.argv.find(a => a.startsWith(`--${name}=`));
  return arg ? Number(arg.split('=')[1]) : fallback;
}

async function runScenario(
  scenario: string,
  mode: string,
  tenants: number,
  requests: number,
  v8Flags: string[],
): Promise<ScenarioResult> {
  const script = path.join(__dirname, 'memory-scenario.js');
  const {stdout: output} = await promisify(execFile)(
    process.execPath,
    [
      '--expose-gc',
      ...v8Flags,
      script,
      scenario,
      mode,
      String(tenants),
      String(requests),
    ],
    {encoding: 'utf8', maxBuffer: 1 << 20},
  );
  return JSON.parse(output.trim().split('\n').pop()!);
}

export async function runMemorySuite(): Promise<ScenarioResult[]> {
  const tenants = option('tenants', isQuick() ? 40 : 1000);
  const requests = option('requests', 3);
  const results: ScenarioResult[] = [];
  const rows: (string | number)[][] = [];
  // One process per scenario and mode, two at a time (heap is per process).
  const jobs = Object.keys(SCENARIOS).flatMap(scenario =>
    ['plain', 'bridge'].map(mode => ({scenario, mode})),
  );
  const done = await inPairs(jobs, async ({scenario, mode}) => {
    const result = await runScenario(scenario, mode, tenants, requests, []);
    // The same run without V8's compilation cache: juggler compiles one
    // `new Function` constructor per model name, and V8 keeps that source
    // cached until it flushes the cache; this column leaves it out. Only
    // the scenario with a model name per tenant is affected (not run in
    // --quick, which only checks that the suite works).
    const uncached =
      scenario === 'shared-ds-model-per-tenant' && !isQuick()
        ? await runScenario(scenario, mode, tenants, requests, [
            '--no-compilation-cache',
          ])
        : result;
    return {result, uncached};
  });
  for (const {result, uncached} of done) {
    rows.push([
      result.scenario,
      result.mode,
      result.anonymousLoaded,
      result.anonymousReleased,
      fixed(result.bytesPerTenantLoaded / 1024),
      fixed(result.bytesPerTenantReleased / 1024),
      fixed(result.bytesPerTenantSecondCycle / 1024),
      fixed(uncached.bytesPerTenantSecondCycle / 1024),
    ]);
    results.push({
      ...result,
      bytesPerTenantSecondCycleNoCompilationCache:
        uncached.bytesPerTenantSecondCycle,
    } as ScenarioResult);
  }
  printTable(
    `memory: ${tenants} tenants x ${requests} requests (KiB per tenant; heapUsed after GC)`,
    [
      'scenario',
      'mode',
      'anon models loaded',
      'anon models after release',
      'heap loaded',
      'heap after release',
      'left per tenant, 2nd cycle',
      'same, no V8 compile cache',
    ],
    rows,
  );
  recordSuite('memory', {tenants, requests, results});
  return results;
}

/** Run `task` over `items`, two at a time, results in order. */
async function inPairs<T, R>(
  items: T[],
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]);
    }
  };
  await Promise.all([worker(), worker()]);
  return results;
}

if (require.main === module) {
  runMemorySuite().catch(error => {
    process.stderr.write(`${error?.stack ?? error}\n`);
    process.exit(1);
  });
}
