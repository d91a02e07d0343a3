// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {installJugglerBridge, ModelRegistry, runInTenant} from '../../src';
import {isJugglerBridgeInstalled} from '../../src/bridge/juggler-bridge';
import {
  anonymousModelNames,
  crud,
  builderOf,
  customerProperties,
  givenMemoryDataSource,
  jugglerModelBuilderClass,
} from '../fixtures/juggler';

type Proto = {resolveType: Function};

describe('installJugglerBridge() (real juggler)', () => {
  const BuilderClass = jugglerModelBuilderClass() as {prototype: Proto};
  let registry: ModelRegistry;
  let uninstall: ReturnType<typeof installJugglerBridge> | undefined;

  beforeEach(() => {
    registry = new ModelRegistry();
  });
  afterEach(() => uninstall?.());

  describe('install and uninstall', () => {
    it('restores the exact original resolveType', () => {
      const original = BuilderClass.prototype.resolveType;
      uninstall = installJugglerBridge(registry);
      expect(BuilderClass.prototype.resolveType).to.not.equal(original);
      expect(isJugglerBridgeInstalled()).to.be.true();
      uninstall();
      expect(BuilderClass.prototype.resolveType).to.equal(original);
      expect(isJugglerBridgeInstalled()).to.be.false();
    });

    it('wraps once when installed twice, and uninstall is idempotent', () => {
      const original = BuilderClass.prototype.resolveType;
      const first = installJugglerBridge(registry);
      const wrapped = BuilderClass.prototype.resolveType;
      const second = installJugglerBridge(registry);
      expect(BuilderClass.prototype.resolveType).to.equal(wrapped);
      second();
      second();
      first();
      expect(BuilderClass.prototype.resolveType).to.equal(original);
    });

    it('routes to the most recently installed registry', () => {
      const other = new ModelRegistry();
      uninstall = installJugglerBridge(registry);
      const uninstallOther = installJugglerBridge(other);
      givenMemoryDataSource().createModel('M', {a: {b: String}});
      expect(other.getStats().modelsCreated).to.equal(1);
      uninstallOther();
      givenMemoryDataSource().createModel('M', {a: {b: String}});
      expect(registry.getStats().modelsCreated).to.equal(1);
    });

    it('takes over builders created before it was installed', () => {
      const ds = givenMemoryDataSource();
      uninstall = installJugglerBridge(registry);
      ds.createModel('Early', {a: {b: String}});
      ds.createModel('Early', {a: {b: String}});
      expect(anonymousModelNames(builderOf(ds))).to.have.length(1);
    });

    it('passes named, string and constructor types through untouched', () => {
      uninstall = installJugglerBridge(registry);
      const ds = givenMemoryDataSource();
      ds.createModel('Plain', {a: String, b: 'number', c: {type: Date}});
      expect(registry.getStats()).to.containDeep({misses: 0, modelsCreated: 0});
    });
  });

  describe('anonymous models', () => {
    beforeEach(() => {
      uninstall = installJugglerBridge(registry);
    });

    it('builds each structure once per tenant and builder', () => {
      const ds = givenMemoryDataSource();
      for (let i = 0; i < 3; i++) {
        runInTenant('a', () =>
          ds.createModel('Customer', customerProperties()),
        );
        runInTenant('b', () =>
          ds.createModel('Customer', customerProperties()),
        );
      }
      expect(anonymousModelNames(builderOf(ds))).to.have.length(4);
    });

    it('gives a tenant its own class for a structure the global scope has, and evicting the tenant leaves the global one working', async () => {
      const ds = givenMemoryDataSource();
      const Global = crud(ds.createModel('Shop', {address: {street: String}}));
      const globalAddress = Global.definition.properties.address.type;
      const Tenant = crud(
        runInTenant('a', () => {
          // Tenant a's scope exists before it meets the global structure.
          ds.createModel('Other_a', {tag: {label: String}});
          return ds.createModel('Shop_a', {address: {street: String}});
        }),
      );
      const tenantAddress = Tenant.definition.properties.address.type;
      expect(tenantAddress).to.not.equal(globalAddress);
      expect(
        registry.findModelByStructure({street: String}, builderOf(ds)),
      ).to.equal(globalAddress);

      expect(await registry.cleanupTenant('a')).to.be.true();
      expect(
        builderOf(ds).models[(globalAddress as {modelName: string}).modelName],
      ).to.equal(globalAddress);
      const shop = await Global.create({address: {street: 'Main'}});
      expect((await Global.findById(shop.id)).toJSON().address).to.deepEqual({
        street: 'Main',
      });
    });

    it('keeps same-looking structures with different types apart', async () => {
      const ds = givenMemoryDataSource();
      const A = crud(ds.createModel('A', {v: {street: String, zip: Number}}));
      const B = crud(ds.createModel('B', {v: {street: Number, zip: Date}}));
      const a = await A.create({v: {street: 'Main', zip: 42}});
      const b = await B.create({v: {street: 7, zip: new Date(0)}});
      expect((await A.findById(a.id)).toJSON().v).to.deepEqual({
        street: 'Main',
        zip: 42,
      });
      const bv = (await B.findById(b.id)).v;
      expect(bv.street).to.equal(7);
      expect(bv.zip).to.be.instanceOf(Date);
    });

    it('keeps strictEmbeddedModels apart per builder', () => {
      const loose = givenMemoryDataSource();
      const strict = givenMemoryDataSource();
      builderOf(strict).settings = {strictEmbeddedModels: true};
      loose.createModel('M', {a: {b: String}});
      const S = strict.createModel('M', {a: {b: String}});
      const nested = S.definition.properties.a.type as {
        settings: {strict: unknown};
      };
      expect(nested.settings.strict).to.be.true();
    });

    it('falls back to juggler when the registry fails, and counts it', async () => {
      const failing = new ModelRegistry();
      failing.lookupAnonymous = () => {
        throw new Error('injected registry fault');
      };
      const uninstallFailing = installJugglerBridge(failing);
      try {
        const ds = givenMemoryDataSource();
        const C = crud(
          runInTenant('a', () =>
            ds.createModel('Customer', customerProperties()),
          ),
        );
        const created = await C.create({address: {street: 's', city: 'c'}});
        expect((await C.findById(created.id)).address.city).to.equal('c');
        expect(failing.getStats().bridgeFallbacks).to.be.above(0);
      } finally {
        uninstallFailing();
      }
    });

    it('reuses a definition object within a tenant and never across tenants', () => {
      const ds = givenMemoryDataSource();
      const address = {street: String, city: String};
      const nestedType = (tenantId: string) =>
        runInTenant(tenantId, () =>
          crud(ds.createModel(`C_${tenantId}`, {address})),
        ).definition.properties.address.type;
      const a = [nestedType('a'), nestedType('a'), nestedType('a')];
      const b = [nestedType('b'), nestedType('b'), nestedType('b')];
      expect(new Set(a).size).to.equal(1);
      expect(new Set(b).size).to.equal(1);
      expect(a[0]).to.not.equal(b[0]);
      expect(nestedType('a')).to.equal(a[0]);
      expect(anonymousModelNames(builderOf(ds))).to.have.length(2);
    });

    it('builds anew when a reused definition object changes', async () => {
      const ds = givenMemoryDataSource();
      const address: Record<string, unknown> = {street: String};
      const define = () => crud(ds.createModel('Customer', {address}));
      for (let i = 0; i < 3; i++) define();
      address.zip = Number;
      const C = define();
      const created = await C.create({address: {street: 's', zip: 42}});
      expect((await C.findById(created.id)).toJSON().address).to.deepEqual({
        street: 's',
        zip: 42,
      });
      (address as {street: unknown}).street = Date;
      const nested = define().definition.properties.address.type as {
        definition: {properties: Record<string, {type: unknown}>};
      };
      expect(nested.definition.properties.street.type).to.equal(Date);
    });

    it('follows a named type redefined between uses of a definition', () => {
      const ds = givenMemoryDataSource();
      const home = {place: 'Place'};
      const placeOf = () => {
        const M = crud(ds.createModel('M', {home}));
        const nested = M.definition.properties.home.type as {
          definition: {properties: {place: {type: unknown}}};
        };
        return nested.definition.properties.place.type;
      };
      const first = ds.createModel('Place', {lat: Number});
      for (let i = 0; i < 3; i++) expect(placeOf()).to.equal(first);
      const second = ds.createModel('Place', {lat: Number, lng: Number});
      expect(placeOf()).to.equal(second);
    });

    it('falls back when registering fails, and the model still works', () => {
      const failing = new ModelRegistry();
      failing.registerAnonymous = () => {
        throw new Error('injected registry fault');
      };
      const uninstallFailing = installJugglerBridge(failing);
      try {
        const ds = givenMemoryDataSource();
        const C = ds.createModel('C', {a: {b: String}});
        expect(new C({a: {b: 'x'}}).toJSON().a).to.deepEqual({b: 'x'});
        expect(failing.getStats().bridgeFallbacks).to.be.above(0);
      } finally {
        uninstallFailing();
      }
    });

    it('falls back for a definition it cannot key (a cycle)', () => {
      const ds = givenMemoryDataSource();
      const meta: Record<string, unknown> = {};
      meta.self = meta;
      const C = ds.createModel('C', {a: {b: {type: String, meta}}});
      expect(registry.getStats().bridgeFallbacks).to.be.above(0);
      expect(new C({a: {b: 'x'}}).toJSON().a).to.deepEqual({b: 'x'});
    });
  });
});
