// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import fc from 'fast-check';
import {ModelRegistry, runInTenant} from '../../src';
import type {ModelBuilderLike} from '../../src/bridge/juggler-shapes';
import {
  builderOf,
  defineAnonymous,
  givenMemoryDataSource,
} from '../fixtures/juggler';

type Op =
  | {kind: 'model'; tenant: number; field: number}
  | {kind: 'track' | 'redefine' | 'evict'; tenant: number};

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('model' as const),
    tenant: fc.nat(5),
    // Few field names: the same structure again replaces a record.
    field: fc.nat(3),
  }),
  fc.record({
    kind: fc.constantFrom(
      'track' as const,
      'redefine' as const,
      'evict' as const,
    ),
    tenant: fc.nat(5),
  }),
);

// The totals and the ranking the stats keep as counts change must equal
// what a walk over every tenant finds.
describe('model counts kept for the stats (ModelTally)', () => {
  it('equal a walk over every tenant after any sequence of changes', () => {
    fc.assert(
      fc.property(fc.array(opArb, {maxLength: 40}), ops => {
        const registry = new ModelRegistry();
        const ds = givenMemoryDataSource();
        const builder: ModelBuilderLike = builderOf(ds);
        ops.forEach((op, i) => apply(registry, ds, builder, op, i));

        const all = registry.getTenantRegistryInfo();
        const owned = all.map(i => i.models + i.namedModels);
        const ranked = registry.getTenantRegistryInfo({orderBy: 'models'});
        expect(ranked.map(i => i.models + i.namedModels)).to.deepEqual(
          [...owned].sort((a, b) => b - a),
        );
        expect(ranked.map(i => i.tenantId).sort()).to.deepEqual(
          all.map(i => i.tenantId).sort(),
        );
        expect(registry.getStats().totalTenantModels).to.equal(
          all.reduce((sum, i) => sum + i.models, 0),
        );
        const top = registry.getTenantRegistryInfo({
          orderBy: 'models',
          limit: 2,
        });
        expect(top).to.deepEqual(ranked.slice(0, 2));
      }),
      {seed: 25, numRuns: 200},
    );
  });

  function apply(
    registry: ModelRegistry,
    ds: ReturnType<typeof givenMemoryDataSource>,
    builder: ModelBuilderLike,
    op: Op,
    serial: number,
  ): void {
    const tenantId = `t${op.tenant}`;
    switch (op.kind) {
      case 'model':
        runInTenant(tenantId, () => {
          const properties = {[`f${op.field}`]: String};
          registry.registerModel(
            defineAnonymous(builder, properties),
            properties,
          );
        });
        break;
      case 'track':
        registry.trackModel(
          tenantId,
          ds.createModel(`N${tenantId}_${serial}`, {}),
        );
        break;
      case 'redefine':
        // A changed definition replaces the tenant's model (untrack, track).
        runInTenant(tenantId, () =>
          registry.defineTenantModel(ds, 'Order', {
            n: serial % 2 ? String : Number,
          }),
        );
        break;
      case 'evict':
        registry.evictTenant(tenantId);
        break;
    }
  }
});
