// Copyright loopback4-tenant-registry contributors. MIT License.

/*
 * Cleanup suite: one eviction pass over many registered tenants, half of them
 * idle, and a pass where none is idle. Models are minimal stand-ins in a
 * plain builder object: this measures the registry's pass, not juggler.
 */

import {ModelRegistry} from '../src';
import {isQuick, printTable, recordSuite, summarize} from './lib/report';
import {showFigure} from './lib/timing';

function givenRegistry(tenants: number, clock: {time: number}) {
  const registry = new ModelRegistry(
    {maxTenants: Infinity},
    {clock: {now: () => clock.time}},
  );
  const builder = {models: {} as Record<string, unknown>, definitions: {}};
  for (let i = 0; i < tenants; i++) {
    // The older half is idle at the pass.
    clock.time = i < tenants / 2 ? 0 : 10_000;
    for (let m = 0; m < 2; m++) {
      const name = `AnonymousModel_${i}_${m}`;
      const model = Object.assign(function () {}, {
        modelName: name,
        settings: {anonymous: true},
        definition: {name, properties: {}},
        modelBuilder: builder,
      });
      builder.models[name] = model;
      registry.registerAnonymous(builder, `key-${m}`, `tenant-${i}`, model);
    }
  }
  clock.time = 20_000;
  return registry;
}

function timePass(tenants: number, maxIdleTime: number) {
  const clock = {time: 0};
  const registry = givenRegistry(tenants, clock);
  const start = process.hrtime.bigint();
  const evicted = registry.cleanupInactiveTenants(maxIdleTime);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  return {ms, evicted};
}

export function runCleanupSuite() {
  const sizes = isQuick() ? [1000] : [1000, 10000, 100000];
  const rounds = isQuick() ? 2 : 5;
  const rows: string[][] = [];
  const figures: Record<string, unknown> = {};
  for (const tenants of sizes) {
    const half = Array.from({length: rounds}, () => timePass(tenants, 15_000));
    const none = Array.from({length: rounds}, () => timePass(tenants, 60_000));
    const halfMs = summarize(half.map(p => p.ms));
    const noneMs = summarize(none.map(p => p.ms));
    const perEvictedUs = summarize(half.map(p => (p.ms * 1000) / p.evicted));
    figures[String(tenants)] = {
      evicted: half[0].evicted,
      passMs: halfMs,
      passNoneIdleMs: noneMs,
      perEvictedTenantUs: perEvictedUs,
    };
    rows.push([
      String(tenants),
      String(half[0].evicted),
      showFigure(halfMs, 2),
      showFigure(perEvictedUs, 2),
      showFigure(noneMs, 3),
    ]);
  }
  printTable(
    'cleanup: one pass (ms, median of rounds, min-max); 2 models per tenant, half idle',
    [
      'tenants',
      'evicted',
      'pass ms',
      'us per evicted tenant',
      'pass ms, none idle',
    ],
    rows,
  );
  recordSuite('cleanup', figures);
  return figures;
}

if (require.main === module) runCleanupSuite();
