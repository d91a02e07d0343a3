// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {
  GLOBAL_TENANT,
  ModelRegistry,
  runInTenant,
  type ModelRegistryOptions,
} from '../../src';
import {TenantAdmission} from '../../src/admission/tenant-admission';
import {resolveOptions} from '../../src/options/resolve-options';
import type {ModelBuilderLike} from '../../src/bridge/juggler-shapes';
import {
  builderOf,
  defineAnonymous,
  givenMemoryDataSource,
} from '../fixtures/juggler';
import {deferred} from '../fixtures/async';
import {givenManualClock, type ManualClock} from '../fixtures/manual-clock';

describe('ModelRegistry', () => {
  let registry: ModelRegistry;
  let builder: ModelBuilderLike;
  let clock: ManualClock;
  const ADDRESS = {street: String, city: String};

  beforeEach(() => {
    clock = givenManualClock();
    registry = new ModelRegistry({}, {clock});
    builder = builderOf(givenMemoryDataSource());
  });

  describe('registerModel() and findModelByStructure()', () => {
    it('finds a model again by structure within the same tenant', () => {
      const model = runInTenant('a', () => {
        const m = defineAnonymous(builder, ADDRESS);
        registry.registerModel(m, ADDRESS);
        return m;
      });
      const found = runInTenant('a', () =>
        registry.findModelByStructure(
          {city: 'string', street: String},
          builder,
        ),
      );
      expect(found).to.equal(model);
      expect(registry.getStats()).to.containDeep({hits: 1, reuseCount: 1});
    });

    it('never returns tenant A’s model to tenant B or to the global scope', () => {
      givenAnonymousIn('a');
      expect(
        runInTenant('b', () => registry.findModelByStructure(ADDRESS, builder)),
      ).to.be.undefined();
      expect(registry.findModelByStructure(ADDRESS, builder)).to.be.undefined();
      expect(
        registry.findModelByStructure(ADDRESS, builder, GLOBAL_TENANT),
      ).to.be.undefined();
    });

    it('never falls back to the global scope from a tenant that has a scope', () => {
      const global = defineAnonymous(builder, ADDRESS);
      registry.registerModel(global, ADDRESS);
      // Tenant a has a scope (another model), but not this structure.
      runInTenant('a', () => {
        const other = defineAnonymous(builder, {sku: String});
        registry.registerModel(other, {sku: String});
      });
      expect(
        runInTenant('a', () => registry.findModelByStructure(ADDRESS, builder)),
      ).to.be.undefined();
      expect(
        runInTenant('a', () => registry.findModelByStructure(ADDRESS)),
      ).to.be.undefined();
      expect(registry.findModelByStructure(ADDRESS, builder)).to.equal(global);
    });

    it('acts on an explicit tenant when one is given', () => {
      const model = givenAnonymousIn('a');
      expect(registry.findModelByStructure(ADDRESS, builder, 'a')).to.equal(
        model,
      );
    });

    it('keeps models of different builders apart', () => {
      givenAnonymousIn('a');
      const other = builderOf(givenMemoryDataSource());
      expect(
        registry.findModelByStructure(ADDRESS, other, 'a'),
      ).to.be.undefined();
    });

    it('searches the scope’s builders when none is given', () => {
      const model = givenAnonymousIn('a');
      expect(registry.findModelByStructure(ADDRESS, undefined, 'a')).to.equal(
        model,
      );
    });

    it('registers anonymous models without a tenant in the global scope', () => {
      const model = defineAnonymous(builder, ADDRESS);
      registry.registerModel(model, ADDRESS);
      expect(registry.findModelByStructure(ADDRESS, builder)).to.equal(model);
      expect(registry.getStats()).to.containDeep({
        globalModels: 1,
        totalTenantModels: 0,
        tenantScopes: 0,
      });
    });

    it('does not reuse a model the builder no longer maps', () => {
      const model = givenAnonymousIn('a');
      delete builder.models[model.modelName];
      expect(
        registry.findModelByStructure(ADDRESS, builder, 'a'),
      ).to.be.undefined();
      expect(registry.getStats().totalTenantModels).to.equal(0);
    });

    it('never creates a tenant registry on lookup', () => {
      runInTenant('nobody', () =>
        registry.findModelByStructure(ADDRESS, builder),
      );
      expect(registry.getStats().tenantScopes).to.equal(0);
    });
  });

  describe('findModelByName()', () => {
    it('finds a tenant’s anonymous model by name in that tenant only', () => {
      const model = givenAnonymousIn('a');
      expect(registry.findModelByName(model.modelName, 'a')).to.equal(model);
      expect(registry.findModelByName(model.modelName, 'b')).to.be.undefined();
    });

    it('finds named models in the global scope from any tenant', () => {
      const ds = givenMemoryDataSource();
      const Customer = ds.createModel('Customer', {name: String});
      registry.registerModel(Customer);
      expect(
        runInTenant('a', () => registry.findModelByName('Customer')),
      ).to.equal(Customer);
    });
  });

  describe('cleanupTenant()', () => {
    it('removes the tenant’s models from the builder and its registry', async () => {
      const model = givenAnonymousIn('a');
      expect(await registry.cleanupTenant('a')).to.be.true();
      expect(builder.models).to.not.have.property(model.modelName);
      expect(builder.definitions).to.not.have.property(model.modelName);
      expect(registry.getStats()).to.containDeep({
        tenantScopes: 0,
        globalModels: 0,
        totalTenantModels: 0,
        evictions: {manual: 1},
      });
    });

    it('leaves other tenants and the global scope untouched', async () => {
      givenAnonymousIn('a');
      const modelB = givenAnonymousIn('b');
      const globalModel = defineAnonymous(builder, ADDRESS);
      registry.registerModel(globalModel, ADDRESS);
      await registry.cleanupTenant('a');
      expect(registry.findModelByStructure(ADDRESS, builder, 'b')).to.equal(
        modelB,
      );
      expect(registry.findModelByStructure(ADDRESS, builder)).to.equal(
        globalModel,
      );
      expect(builder.models[modelB.modelName]).to.equal(modelB);
      expect(builder.models[globalModel.modelName]).to.equal(globalModel);
    });

    it('answers false for an unknown tenant', async () => {
      expect(await registry.cleanupTenant('ghost')).to.be.false();
    });

    it('keeps a tenant with a request in flight, then evicts it on release', () => {
      const model = givenAnonymousIn('a');
      registry.acquire('a');
      expect(registry.isLeased('a')).to.be.true();
      expect(registry.evictTenant('a')).to.be.undefined();
      expect(builder.models[model.modelName]).to.equal(model);
      expect(registry.getStats().pendingEvictions).to.equal(1);
      registry.release('a');
      expect(registry.isLeased('a')).to.be.false();
      expect(builder.models).to.not.have.property(model.modelName);
      expect(registry.getStats().evictions.manual).to.equal(1);
    });

    it('keeps a tenant whose runInTenant work is in flight', async () => {
      givenAnonymousIn('a');
      let finish!: () => void;
      const work = runInTenant(
        'a',
        () => new Promise<void>(resolve => (finish = resolve)),
      );
      expect(registry.isLeased('a')).to.be.true();
      expect(registry.evictTenant('a')).to.be.undefined();
      finish();
      await work;
      // One count of work in flight: the eviction runs as the work ends.
      expect(registry.isLeased('a')).to.be.false();
      expect(registry.tenantIds()).to.not.containEql('a');
      expect(registry.evictor.runPending()).to.equal(0);
    });

    it('emits tenantEvicted with what was released', () => {
      givenAnonymousIn('a');
      const events: unknown[] = [];
      registry.on('tenantEvicted', event => events.push(event));
      registry.evictTenant('a', 'external');
      expect(events).to.deepEqual([
        {
          tenantId: 'a',
          reason: 'external',
          models: 1,
          namedModels: 0,
          dataSources: 0,
          kept: 0,
        },
      ]);
    });

    it('survives a throwing tenantEvicted listener and counts it', () => {
      givenAnonymousIn('a');
      registry.on('tenantEvicted', () => {
        throw new Error('listener bug');
      });
      expect(registry.evictTenant('a')).to.not.be.undefined();
      expect(registry.getStats().listenerFailures).to.equal(1);
    });
  });

  describe('cleanupInactiveTenants()', () => {
    it('evicts tenants idle longer than maxIdleTime, and only those', () => {
      givenAnonymousIn('old');
      clock.time += 500;
      givenAnonymousIn('recent');
      clock.time += 600;
      expect(registry.cleanupInactiveTenants(1000)).to.equal(1);
      expect(registry.tenantIds()).to.deepEqual(['recent']);
      expect(registry.getStats().evictions.idle).to.equal(1);
    });

    it('counts a lookup hit as activity', () => {
      givenAnonymousIn('a');
      clock.time += 900;
      registry.findModelByStructure(ADDRESS, builder, 'a');
      clock.time += 900;
      expect(registry.cleanupInactiveTenants(1000)).to.equal(0);
    });

    it('skips a leased tenant without marking it', () => {
      givenAnonymousIn('a');
      registry.acquire('a');
      clock.time += 5000;
      expect(registry.cleanupInactiveTenants(1000)).to.equal(0);
      registry.release('a');
      expect(registry.tenantIds()).to.deepEqual(['a']);
    });
  });

  describe('maxTenants, through TenantAdmission.runInTenant', () => {
    function admissionFor(options: ModelRegistryOptions) {
      registry = new ModelRegistry(options, {clock});
      return new TenantAdmission(registry, {
        ...resolveOptions().admission,
        clock,
      });
    }

    it('never holds more than maxTenants: the least recently used idle tenant makes room', async () => {
      const admission = admissionFor({maxTenants: 2, protectionWindow: 0});
      for (const tenantId of ['a', 'b', 'c']) {
        await admission.runInTenant(tenantId, () => tenantId);
        clock.time += 10;
      }
      expect(registry.tenantIds().sort()).to.deepEqual(['b', 'c']);
      expect(registry.getStats().evictions.capacity).to.equal(1);
    });

    it('refuses a new tenant with 503 TENANT_CAPACITY while every tenant is busy', async () => {
      const admission = admissionFor({maxTenants: 2, protectionWindow: 0});
      const done = deferred();
      const busy = ['a', 'b'].map(tenantId =>
        admission.runInTenant(tenantId, () => done.promise),
      );
      await expect(admission.runInTenant('c', () => 'ran')).to.be.rejectedWith({
        code: 'TENANT_CAPACITY',
        statusCode: 503,
      });
      expect(registry.tenantIds().sort()).to.deepEqual(['a', 'b']);
      // A live tenant is admitted at the cap too.
      expect(await admission.runInTenant('a', () => 'ran')).to.equal('ran');
      done.resolve();
      await Promise.all(busy);
      clock.time += 10;
      expect(await admission.runInTenant('c', () => 'ran')).to.equal('ran');
      expect(registry.tenantIds()).to.have.length(2);
    });

    it('does not make room with a tenant used within the protection window', async () => {
      const admission = admissionFor({maxTenants: 1, protectionWindow: 60000});
      await admission.runInTenant('a', () => 'ran');
      clock.time += 1000;
      await expect(admission.runInTenant('b', () => 'ran')).to.be.rejectedWith({
        code: 'TENANT_CAPACITY',
      });
      clock.time += 60000;
      expect(await admission.runInTenant('b', () => 'ran')).to.equal('ran');
      expect(registry.tenantIds()).to.deepEqual(['b']);
    });
  });

  describe('getTenantRegistryInfo()', () => {
    it('lists tenants least recently used first with their counts', () => {
      givenAnonymousIn('a');
      clock.time += 10;
      givenAnonymousIn('b');
      registry.acquire('b');
      const info = registry.getTenantRegistryInfo();
      expect(info.map(i => [i.tenantId, i.models, i.isLeased])).to.deepEqual([
        ['a', 1, false],
        ['b', 1, true],
      ]);
      expect(info[0].lastAccessed).to.equal(1000);
      registry.release('b');
    });
  });

  function givenAnonymousIn(tenantId: string) {
    return runInTenant(tenantId, () => {
      const model = defineAnonymous(builder, ADDRESS);
      registry.registerModel(model, ADDRESS);
      return model;
    });
  }
});
