// Copyright loopback4-tenant-registry contributors. MIT License.

import type {juggler} from '@loopback/repository';
import {expect} from '@loopback/testlab';
import {
  installJugglerBridge,
  ModelRegistry,
  runInTenant,
  type TenantEviction,
} from '../../src';
import {
  anonymousModelNames,
  builderOf,
  crud,
  givenMemoryDataSource,
} from '../fixtures/juggler';

/** A juggler model class, as far as these tests read it. */
interface ModelClass {
  modelName: string;
  definition: {properties: Record<string, {type: ModelClass}>};
}

describe('tenant footprint release (specification, real juggler)', () => {
  let registry: ModelRegistry;
  let ds: juggler.DataSource;
  let evictions: TenantEviction[];

  beforeEach(() => {
    registry = new ModelRegistry();
    ds = givenMemoryDataSource();
    evictions = [];
    registry.on('tenantEvicted', eviction => evictions.push(eviction));
  });

  describe('with the bridge', () => {
    let uninstall: () => void;
    beforeEach(() => (uninstall = installJugglerBridge(registry)));
    afterEach(() => uninstall());

    it('releases a tenant’s nested models however deep', () => {
      runInTenant('a', () =>
        registry.trackModel(
          'a',
          ds.createModel('Order_a', {address: {geo: {lat: Number}}}),
        ),
      );
      expect(anonymousModelNames(builderOf(ds))).to.have.length(2);
      registry.evictTenant('a');
      expect(anonymousModelNames(builderOf(ds))).to.be.empty();
      expect(evictions[0]).to.containDeep({models: 2, namedModels: 1, kept: 0});
    });

    it('keeps a tenant’s model, and the models it uses, while another tenant’s model uses it', async () => {
      const order = givenTrackedModel('a', 'Order_a', {
        address: {street: String, geo: {lat: Number}},
      });
      const Address = order.definition.properties.address.type;
      const Geo = Address.definition.properties.geo.type;
      const Invoice = crud(
        givenTrackedModel('b', 'Invoice_b', {
          id: {type: Number, id: true, generated: true},
          billing: {to: Address},
        }),
      );
      registry.evictTenant('a');
      expect(evictions[0]).to.containDeep({tenantId: 'a', kept: 2});
      const models = builderOf(ds).models;
      expect(models[Address.modelName]).to.equal(Address);
      expect(models[Geo.modelName]).to.equal(Geo);
      const created = await Invoice.create({
        billing: {to: {street: 's', geo: {lat: 1}}},
      });
      const found = await Invoice.findById(created.id);
      expect(found.billing.to.geo.constructor).to.equal(Geo);
    });

    it('releases a tenant’s model once the global model that used it has been redefined without it', () => {
      const order = givenTrackedModel('a', 'Order_a', {
        address: {street: String},
      });
      const Address = order.definition.properties.address.type;
      ds.createModel('Report', {address: Address});
      ds.createModel('Report', {total: Number});
      registry.evictTenant('a');
      expect(builderOf(ds).models[Address.modelName]).to.be.undefined();
      expect(evictions[0]).to.containDeep({kept: 0});
    });

    it('counts only the named models it removed', () => {
      runInTenant('a', () => {
        registry.trackModel('a', ds.createModel('First_a', {n: String}));
        registry.trackModel('a', ds.createModel('Second_a', {n: String}));
        registry.trackModel('a', ds.createModel('Shared', {n: String}));
      });
      ds.createModel('Shared', {n: String});
      registry.evictTenant('a');
      expect(evictions[0].namedModels).to.equal(2);
    });

    it('leaves a model the application has since defined under a released model’s name', () => {
      const order = givenTrackedModel('a', 'Order_a', {
        address: {street: String},
      });
      const name = order.definition.properties.address.type.modelName;
      const theApps = ds.createModel(name, {other: String});
      registry.evictTenant('a');
      expect(builderOf(ds).models[name]).to.equal(theApps);
    });
  });

  describe('without the bridge', () => {
    it('removes the nested models a tracked model uses, however deep, and no named model it uses', () => {
      const Customer = ds.createModel('Customer', {name: String});
      const order = givenTrackedModel('a', 'Order_a', {
        address: {geo: {lat: Number}},
        customer: Customer,
      });
      const Address = order.definition.properties.address.type;
      const Geo = Address.definition.properties.geo.type;
      registry.evictTenant('a');
      const models = builderOf(ds).models;
      expect(models[Address.modelName]).to.be.undefined();
      expect(models[Geo.modelName]).to.be.undefined();
      expect(models.Order_a).to.be.undefined();
      expect(models.Customer).to.equal(Customer);
    });
  });

  function givenTrackedModel(
    tenantId: string,
    name: string,
    properties: object,
  ): ModelClass {
    return runInTenant(tenantId, () => {
      const model = ds.createModel(name, properties);
      registry.trackModel(tenantId, model);
      return model as unknown as ModelClass;
    });
  }
});
