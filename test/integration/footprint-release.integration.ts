// Copyright loopback4-tenant-registry contributors. MIT License.

import {
  DefaultCrudRepository,
  Entity,
  juggler,
  model,
  property,
} from '@loopback/repository';
import {expect} from '@loopback/testlab';
import {installJugglerBridge, ModelRegistry, runInTenant} from '../../src';
import {
  anonymousModelNames,
  builderOf,
  crud,
  customerProperties,
  givenMemoryDataSource,
  type CrudModel,
} from '../fixtures/juggler';

const TENANTS = Array.from({length: 20}, (_, i) => `tenant-${i}`);
const REQUESTS_PER_TENANT = 3;
const ORDER = {
  name: 'Ada',
  address: {street: '1 Main St', city: 'Springfield'},
  items: [{sku: 'X-1', qty: 2}],
};

describe('tenant footprint release (real juggler, memory connector)', () => {
  let registry: ModelRegistry;
  let uninstall: ReturnType<typeof installJugglerBridge>;

  beforeEach(() => {
    registry = new ModelRegistry();
    uninstall = installJugglerBridge(registry);
  });
  afterEach(() => uninstall());

  it('scenario 1: one shared DataSource, a tracked model per tenant', async () => {
    const ds = givenMemoryDataSource();
    for (let r = 0; r < REQUESTS_PER_TENANT; r++) {
      for (const tenantId of TENANTS) {
        await runInTenant(tenantId, async () => {
          const Customer = crud(
            ds.createModel(`Customer_${tenantId}`, customerProperties()),
          );
          registry.trackModel(tenantId, Customer);
          await expectRoundTrip(Customer);
        });
      }
    }
    expect(anonymousModelNames(builderOf(ds))).to.have.length(
      2 * TENANTS.length,
    );

    for (const tenantId of TENANTS) await registry.cleanupTenant(tenantId);

    expect(anonymousModelNames(builderOf(ds))).to.be.empty();
    expect(Object.keys(builderOf(ds).models)).to.be.empty();
    expect(Object.keys(builderOf(ds).definitions)).to.be.empty();
    expect(Object.keys(connectorModels(ds))).to.be.empty();
    expect(registry.getStats()).to.containDeep({
      tenantScopes: 0,
      totalTenantModels: 0,
    });
  });

  it('scenario 2: the same model name redefined on every request', async () => {
    const ds = givenMemoryDataSource();
    for (let r = 0; r < REQUESTS_PER_TENANT; r++) {
      for (const tenantId of TENANTS) {
        await runInTenant(tenantId, async () => {
          const Customer = crud(
            ds.createModel('Customer', customerProperties()),
          );
          registry.trackModel(tenantId, Customer);
          await expectRoundTrip(Customer);
        });
      }
    }
    // Plain juggler: 4 per definition (idInjection rebuild), 240 here.
    expect(anonymousModelNames(builderOf(ds))).to.have.length(
      2 * TENANTS.length,
    );

    for (const tenantId of TENANTS) await registry.cleanupTenant(tenantId);

    expect(Object.keys(builderOf(ds).models)).to.be.empty();
    expect(registry.getStats().tenantScopes).to.equal(0);
  });

  it('scenario 3: one tracked DataSource per tenant', async () => {
    const dataSources = new Map<string, juggler.DataSource>();
    for (let r = 0; r < REQUESTS_PER_TENANT; r++) {
      for (const tenantId of TENANTS) {
        await runInTenant(tenantId, async () => {
          let ds = dataSources.get(tenantId);
          if (ds === undefined) {
            ds = givenMemoryDataSource(`db_${tenantId}`);
            dataSources.set(tenantId, ds);
            registry.trackDataSource(tenantId, ds);
          }
          const Customer = crud(
            ds.createModel('Customer', customerProperties()),
          );
          await expectRoundTrip(Customer);
        });
      }
    }
    for (const ds of dataSources.values()) {
      expect(anonymousModelNames(builderOf(ds))).to.have.length(2);
      expect(ds.connected).to.be.true();
    }

    for (const tenantId of TENANTS) await registry.cleanupTenant(tenantId);

    for (const ds of dataSources.values()) {
      expect(Object.keys(builderOf(ds).models)).to.be.empty();
      expect(Object.keys(connectorModels(ds))).to.be.empty();
      expect(ds.connected).to.be.false();
    }
    expect(registry.getStats()).to.containDeep({
      tenantScopes: 0,
      disconnectFailures: 0,
    });
  });

  it('scenario 3: a failing or hanging disconnect is counted, never thrown', async () => {
    const slowRegistry = new ModelRegistry({disconnectTimeout: 20});
    const failing = givenMemoryDataSource('failing');
    failing.disconnect = () => Promise.reject(new Error('injected'));
    const hanging = givenMemoryDataSource('hanging');
    hanging.disconnect = () => new Promise(() => {});
    slowRegistry.trackDataSource('a', failing);
    slowRegistry.trackDataSource('a', hanging);
    expect(await slowRegistry.cleanupTenant('a')).to.be.true();
    expect(slowRegistry.getStats().disconnectFailures).to.equal(2);
  });

  describe('scenario 4: an LB4 DefaultCrudRepository with inline object types', () => {
    @model()
    class Shipment extends Entity {
      @property({id: true, generated: true}) id?: number;
      @property({type: {street: 'string', city: 'string'}})
      address?: {street: string; city: string};
      @property.array({sku: 'string', qty: 'number'})
      items?: {sku: string; qty: number}[];
    }

    it('builds the nested models once, and a global model survives eviction', async () => {
      const ds = givenMemoryDataSource();
      const ids = new Map<string, number>();
      for (let r = 0; r < REQUESTS_PER_TENANT; r++) {
        for (const tenantId of TENANTS) {
          await runInTenant(tenantId, async () => {
            // LB4 builds a repository per request.
            const repo = new DefaultCrudRepository(Shipment, ds);
            const created = await repo.create({
              address: {street: `${tenantId} St`, city: 'X'},
              items: [{sku: tenantId, qty: r}],
            });
            ids.set(tenantId, created.id!);
          });
        }
      }
      const anonymous = anonymousModelNames(builderOf(ds));
      expect(anonymous).to.have.length(2);

      // Shipment is global (untracked) and was first defined inside
      // tenant-0: evicting tenant-0 must not break it.
      for (const tenantId of TENANTS) await registry.cleanupTenant(tenantId);
      expect(anonymousModelNames(builderOf(ds))).to.deepEqual(anonymous);
      expect(registry.getStats().tenantScopes).to.equal(0);

      const repo = new DefaultCrudRepository(Shipment, ds);
      const found = await repo.findById(ids.get('tenant-7')!);
      expect(found.address).to.deepEqual({street: 'tenant-7 St', city: 'X'});
      expect(found.items?.[0]).to.containDeep({sku: 'tenant-7', qty: 2});
      const created = await repo.create({address: {street: 'a', city: 'b'}});
      expect((await repo.findById(created.id)).address?.city).to.equal('b');
    });
  });

  it('keeps a global createModel defined inside a tenant working after eviction', async () => {
    const ds = givenMemoryDataSource();
    const Audit = crud(
      runInTenant('a', () => ds.createModel('Audit', customerProperties())),
    );
    await registry.cleanupTenant('a');
    await expectRoundTrip(Audit);
    expect(anonymousModelNames(builderOf(ds))).to.have.length(2);
  });

  it('keeps a tenant model that a live global model uses by class, and releases the rest', async () => {
    const ds = givenMemoryDataSource();
    const Customer = runInTenant('a', () => {
      const m = ds.createModel('Customer_a', customerProperties());
      registry.trackModel('a', m);
      return m as unknown as {
        definition: {properties: Record<string, {type: {modelName: string}}>};
      };
    });
    const Address = Customer.definition.properties.address.type;
    const Report = crud(
      ds.createModel('Report', {
        id: {type: Number, id: true, generated: true},
        address: Address,
      }),
    );
    await registry.cleanupTenant('a');
    const models = builderOf(ds).models;
    expect(models.Customer_a).to.be.undefined();
    // The live Report pins the class it uses: still mapped under its name.
    expect(models[Address.modelName]).to.equal(Address);
    expect(anonymousModelNames(builderOf(ds))).to.deepEqual([
      Address.modelName,
    ]);
    const created = await Report.create({address: {street: 's', city: 'c'}});
    const found = await Report.findById(created.id);
    expect(found.address.constructor).to.equal(Address);
  });

  it('never removes a model redefined since it was tracked', async () => {
    const ds = givenMemoryDataSource();
    runInTenant('a', () => {
      registry.trackModel('a', ds.createModel('Shared', {n: String}));
    });
    const Replacement = ds.createModel('Shared', {n: String});
    await registry.cleanupTenant('a');
    expect(builderOf(ds).models.Shared).to.equal(Replacement);
  });
});

async function expectRoundTrip(modelClass: CrudModel): Promise<void> {
  const created = await modelClass.create(ORDER);
  const found = await modelClass.findById(created.id);
  expect(found.toJSON()).to.containDeep(ORDER);
  expect(found.items[0].qty).to.be.a.Number();
  expect(found.address.constructor.name).to.match(/^AnonymousModel_/);
}

function connectorModels(ds: juggler.DataSource): Record<string, unknown> {
  return (ds.connector as unknown as {_models: Record<string, unknown>})
    ._models;
}
