// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {ModelRegistry, runInTenant} from '../../src';
import type {ModelBuilderLike} from '../../src/bridge/juggler-shapes';
import {TenantScopes} from '../../src/registry/tenant-scopes';
import {
  builderOf,
  defineAnonymous,
  givenMemoryDataSource,
} from '../fixtures/juggler';

const ADDRESS = {street: String, city: String};

describe('ModelRegistry scopes (specification)', () => {
  let registry: ModelRegistry;

  beforeEach(() => {
    registry = new ModelRegistry();
  });

  it('forgets a model its builder no longer maps: found neither by structure nor by name', () => {
    const builder = givenBuilder();
    const model = givenAnonymous('a', builder);
    delete builder.models[model.modelName];
    runInTenant('a', () => {
      expect(registry.findModelByStructure(ADDRESS, builder)).to.be.undefined();
      expect(registry.findModelByName(model.modelName)).to.be.undefined();
    });
    expect(registry.getTenantRegistryInfo()[0].models).to.equal(0);
  });

  it('still finds a model by name after another builder’s model of that name is dropped', () => {
    // Anonymous names come from a counter per builder: both are
    // AnonymousModel_0.
    const first = givenBuilder();
    const second = givenBuilder();
    const dropped = givenAnonymous('a', first);
    const kept = givenAnonymous('a', second);
    expect(dropped.modelName).to.equal(kept.modelName);
    delete first.models[dropped.modelName];
    runInTenant('a', () => {
      expect(registry.findModelByStructure(ADDRESS, first)).to.be.undefined();
      expect(registry.findModelByName(kept.modelName)).to.equal(kept);
    });
  });

  it('leases a tenant it has no scope for yet: acquire() keeps it from eviction until release()', () => {
    registry.acquire('early');
    expect(registry.isLeased('early')).to.be.true();
    registry.release('early');
    expect(registry.isLeased('early')).to.be.false();
  });

  it('finds a global model in any of many builders when no builder is named', () => {
    const builders = Array.from({length: 12}, () => givenBuilder());
    const models = builders.map(builder => givenAnonymous(undefined, builder));
    expect(registry.findModelByStructure(ADDRESS)).to.equal(models[0]);
    delete builders[0].models[models[0].modelName];
    expect(registry.findModelByStructure(ADDRESS)).to.equal(models[1]);
  });

  it('registers a named model in the global scope, even inside a tenant', () => {
    const ds = givenMemoryDataSource();
    const named = runInTenant('a', () => {
      const model = ds.createModel('Customer', {name: String});
      registry.registerModel(model);
      return model;
    });
    expect(registry.tenantCount).to.equal(0);
    expect(registry.findModelByName('Customer', 'b')).to.equal(named);
  });

  it('finds a model registered with type names by the types themselves', () => {
    const builder = givenBuilder();
    const model = defineAnonymous(builder, ADDRESS);
    registry.registerModel(model, {street: 'string', city: 'String'});
    expect(registry.findModelByStructure(ADDRESS, builder)).to.equal(model);
  });

  function givenBuilder(): ModelBuilderLike {
    return builderOf(givenMemoryDataSource());
  }

  function givenAnonymous(
    tenantId: string | undefined,
    builder: ModelBuilderLike,
  ) {
    const define = () => {
      const model = defineAnonymous(builder, ADDRESS);
      registry.registerModel(model, ADDRESS);
      return model;
    };
    return tenantId === undefined ? define() : runInTenant(tenantId, define);
  }
});

describe('TenantScopes (specification)', () => {
  let scopes: TenantScopes;
  const order = () => [...scopes.tenantScopes()].map(r => r.tenantId);

  beforeEach(() => {
    scopes = new TenantScopes({now: () => 0});
    for (const id of ['a', 'b', 'c']) scopes.getOrCreate(id);
  });

  it('keeps an evicted tenant out of the order when a stale reference touches it', () => {
    const evicted = scopes.get('a')!;
    scopes.evict(evicted, []);
    scopes.touch(evicted);
    expect(order()).to.deepEqual(['b', 'c']);
    expect(scopes.tenantCount).to.equal(2);
  });

  it('leaves the order intact when a tenant is removed twice', () => {
    const b = scopes.get('b')!;
    scopes.evict(b, []);
    scopes.evict(b, []);
    expect(order()).to.deepEqual(['a', 'c']);
    scopes.getOrCreate('d');
    expect(order()).to.deepEqual(['a', 'c', 'd']);
  });
});
