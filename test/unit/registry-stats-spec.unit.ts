// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {ModelRegistry, runInTenant} from '../../src';
import type {ModelBuilderLike} from '../../src/bridge/juggler-shapes';
import {
  builderOf,
  defineAnonymous,
  givenMemoryDataSource,
} from '../fixtures/juggler';
import {givenManualClock, type ManualClock} from '../fixtures/manual-clock';

const ADDRESS = {street: String, city: String};
const ITEM = {sku: String, qty: Number};

describe('ModelRegistry statistics (specification)', () => {
  let clock: ManualClock;
  let registry: ModelRegistry;
  let builder: ModelBuilderLike;

  beforeEach(() => {
    // A whole number of 30-second windows since the epoch.
    clock = givenManualClock(990_000);
    registry = new ModelRegistry({}, {clock});
    builder = builderOf(givenMemoryDataSource());
  });

  it('counts models in all scopes, in the global scope and in tenant scopes', () => {
    givenAnonymous(undefined, ADDRESS);
    givenAnonymous('a', ADDRESS);
    givenAnonymous('a', ITEM);
    givenAnonymous('b', ITEM);
    const stats = registry.getStats();
    expect(stats.globalModels + stats.totalTenantModels).to.equal(4);
    expect(stats).to.containDeep({
      globalModels: 1,
      totalTenantModels: 3,
      tenantScopes: 2,
      modelsCreated: 4,
    });
  });

  it('counts the tenants that have work in flight', () => {
    givenAnonymous('a', ADDRESS);
    givenAnonymous('b', ADDRESS);
    givenAnonymous('c', ADDRESS);
    registry.acquire('a');
    registry.acquire('c');
    try {
      expect(registry.getStats().leasedTenants).to.equal(2);
    } finally {
      registry.release('a');
      registry.release('c');
    }
    expect(registry.getStats().leasedTenants).to.equal(0);
  });

  it('counts lookups that found a model and those that did not, per tenant', () => {
    givenAnonymous('a', ADDRESS);
    givenAnonymous('b', ADDRESS);
    runInTenant('a', () => {
      registry.findModelByStructure(ADDRESS, builder);
      registry.findModelByStructure(ADDRESS, builder);
      registry.findModelByStructure(ITEM, builder);
    });
    const info = registry.getTenantRegistryInfo();
    expect(
      info.map(({tenantId, hits, misses}) => [tenantId, hits, misses]),
    ).to.deepEqual([
      ['b', 0, 0],
      ['a', 2, 1],
    ]);
    expect(registry.getStats()).to.containDeep({hits: 2, misses: 1});
  });

  it('counts refused admissions of the current 30-second window and the one before', () => {
    const refuse = (count: number) => {
      for (let i = 0; i < count; i++) registry.recordAdmission('notFound');
    };
    const recent = () => registry.getStats().recentRefusals;
    refuse(2);
    clock.time += 29_999;
    expect(recent()).to.equal(2);
    clock.time += 1; // the next window
    refuse(1);
    expect(recent()).to.equal(3);
    clock.time += 30_000; // the first window is over a minute old
    expect(recent()).to.equal(1);
    clock.time += 30_000;
    expect(recent()).to.equal(0);
    refuse(1);
    // After a pause, windows still start on whole multiples of 30 seconds.
    clock.time += 95_000;
    refuse(1);
    clock.time += 24_999;
    expect(recent()).to.equal(1);
    clock.time += 1; // the next window
    expect(recent()).to.equal(1);
    clock.time += 30_000;
    expect(recent()).to.equal(0);
    expect(registry.getStats().admissions.notFound).to.equal(5);
  });

  it('does not count admitted tenants as refusals', () => {
    registry.recordAdmission('admitted');
    expect(registry.getStats()).to.containDeep({
      recentRefusals: 0,
      admissions: {admitted: 1},
    });
  });

  describe('evictIdleTenants()', () => {
    it('evicts a tenant unused for longer than maxIdleTime, not one unused for exactly that long', () => {
      givenAnonymous('a', ADDRESS);
      clock.time += 1000;
      expect(registry.evictIdleTenants(1000)).to.equal(0);
      clock.time += 1;
      expect(registry.evictIdleTenants(1000)).to.equal(1);
      expect(registry.getStats().evictions.idle).to.equal(1);
    });
  });

  function givenAnonymous(tenantId: string | undefined, properties: object) {
    const define = () => {
      const model = defineAnonymous(builder, properties);
      registry.registerModel(model, properties);
      return model;
    };
    return tenantId === undefined ? define() : runInTenant(tenantId, define);
  }
});
