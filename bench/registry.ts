// Copyright loopback4-tenant-registry contributors. MIT License.

/*
 * Registry suite: the cost of the registry's lookups against juggler building
 * the same anonymous model, side by side in one process.
 */

import {juggler} from '@loopback/repository';
import {installJugglerBridge, ModelRegistry, runInTenant} from '../src';
import {computeStructureKey} from '../src/registry/structure-key';
import {isQuick, printTable, recordSuite} from './lib/report';
import {nsPerOp, showFigure} from './lib/timing';

type Builder = {
  models: Record<string, unknown>;
  definitions: Record<string, unknown>;
  resolveType(prop: unknown): unknown;
  constructor: {schemaTypes: Record<string, unknown>};
};

/** A typical nested definition: 10 properties, two nested objects. */
function definition(): Record<string, unknown> {
  return {
    street: String,
    city: String,
    zip: {type: String, required: true},
    country: {type: String, default: 'NL'},
    lat: Number,
    lng: Number,
    verified: Boolean,
    since: Date,
    contact: {name: String, phone: String},
    tags: [{label: String, weight: Number}],
  };
}

/** A new memory DataSource's model builder. */
function givenBuilder(): Builder {
  return (
    new juggler.DataSource({connector: 'memory'}) as unknown as {
      modelBuilder: Builder;
    }
  ).modelBuilder;
}

export function runRegistrySuite() {
  const quick = isQuick();
  const rounds = quick ? 3 : 15;
  const n = quick ? 2000 : 50000;
  const builder = givenBuilder();
  const resolveTypeName = (name: string) =>
    builder.constructor.schemaTypes[name.toLowerCase()] ?? builder.models[name];
  const props = definition();

  const key = nsPerOp(
    () =>
      computeStructureKey(props, {resolveTypeName, settings: {strict: false}}),
    n,
    rounds,
  );

  // A same-process yardstick for this machine's speed.
  const stringify = nsPerOp(() => JSON.stringify(props), n, rounds);

  const registry = new ModelRegistry();
  const uninstall = installJugglerBridge(registry);
  try {
    runInTenant('bench', () => builder.resolveType(definition()));
    const hit = nsPerOp(
      () =>
        runInTenant('bench', () =>
          registry.findModelByStructure(props, builder),
        ),
      n,
      rounds,
    );
    const other = {...props, extra: String};
    const miss = nsPerOp(
      () =>
        runInTenant('bench', () =>
          registry.findModelByStructure(other, builder),
        ),
      n,
      rounds,
    );
    // Through the bridge: resolveType on a structure seen before, with a
    // tenant context entered per call, then inside one context: a fresh
    // literal per call, and the same definition object again.
    const bridgedHit = nsPerOp(
      () => runInTenant('bench', () => builder.resolveType(definition())),
      n,
      rounds,
    );
    const bridgedHits = () =>
      runInTenant('bench', () => {
        builder.resolveType(props);
        builder.resolveType(props);
        return [
          nsPerOp(() => builder.resolveType(definition()), n, rounds),
          nsPerOp(() => builder.resolveType(props), n * 4, rounds),
        ];
      });
    const [bridgedFresh, bridgedReused] = bridgedHits();
    const model = runInTenant('bench', () =>
      builder.resolveType(definition()),
    ) as {
      modelName: string;
    };
    const register = nsPerOp(
      i => registry.registerModel(model, props, `t${i % 1000}`),
      n,
      rounds,
    );
    // The same hits with 1,000 other live tenants: each hit marks its tenant
    // as used (the registry's LRU order).
    const [bridgedFreshManyTenants, bridgedReusedManyTenants] = bridgedHits();
    // juggler alone: resolveType on an object literal builds a new model
    // (last, in a builder of its own: thousands of models grow the heap,
    // which slows every later figure's garbage collection).
    const build = nsPerOp(
      () => givenBuilder().resolveType(definition()),
      Math.max(50, n / 100),
      rounds,
    );
    const figures = {
      structureKeyNs: key,
      jsonStringifyNs: stringify,
      hitNs: hit,
      missNs: miss,
      registerModelNs: register,
      bridgedResolveTypeHitNs: bridgedHit,
      bridgedFreshLiteralHitNs: bridgedFresh,
      bridgedReusedDefinitionHitNs: bridgedReused,
      bridgedFreshLiteralHitManyTenantsNs: bridgedFreshManyTenants,
      bridgedReusedDefinitionHitManyTenantsNs: bridgedReusedManyTenants,
      jugglerBuildNs: build,
      buildOverHitRatio: build.median / hit.median,
      buildOverBridgedHitRatio: build.median / bridgedHit.median,
    };
    printTable(
      'registry: ns per operation (median of rounds, min-max); a 10-property nested definition',
      ['operation', 'ns/op'],
      [
        ['computeStructureKey', showFigure(key)],
        ['JSON.stringify(definition), for scale', showFigure(stringify)],
        ['findModelByStructure, hit', showFigure(hit)],
        ['findModelByStructure, miss', showFigure(miss)],
        ['registerModel', showFigure(register)],
        [
          'resolveType through the bridge, hit (runInTenant per call)',
          showFigure(bridgedHit),
        ],
        [
          'bridged hit in a tenant context, fresh literal per call',
          showFigure(bridgedFresh),
        ],
        [
          'bridged hit in a tenant context, reused definition object',
          showFigure(bridgedReused),
        ],
        [
          'the same, fresh literal, 1,000 other live tenants',
          showFigure(bridgedFreshManyTenants),
        ],
        [
          'the same, reused definition, 1,000 other live tenants',
          showFigure(bridgedReusedManyTenants),
        ],
        ['juggler builds the model (no bridge)', showFigure(build)],
        ['build / hit', `${figures.buildOverHitRatio.toFixed(0)}x`],
        [
          'build / bridged hit',
          `${figures.buildOverBridgedHitRatio.toFixed(0)}x`,
        ],
      ],
    );
    recordSuite('registry', figures);
    return figures;
  } finally {
    uninstall();
  }
}

if (require.main === module) runRegistrySuite();
