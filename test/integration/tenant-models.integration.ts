// Copyright loopback4-tenant-registry contributors. MIT License.

import {juggler} from '@loopback/repository';
import {expect} from '@loopback/testlab';
import fc from 'fast-check';
import {
  installJugglerBridge,
  ModelRegistry,
  runInTenant,
  TenantRegistryError,
} from '../../src';
import {isValidTenantId} from '../../src/context/tenant-id';
import {anonymousModelNames, builderOf} from '../fixtures/juggler';

const ORDER = () => ({
  customer: String,
  address: {street: String, city: String},
  items: [{sku: String, qty: Number}],
});

describe('ModelRegistry.defineTenantModel() (real juggler)', () => {
  let registry: ModelRegistry;
  let ds: juggler.DataSource;
  let uninstall: () => void;

  beforeEach(() => {
    registry = new ModelRegistry();
    uninstall = installJugglerBridge(registry);
    ds = new juggler.DataSource({name: 'db', connector: 'memory'});
  });
  afterEach(() => uninstall());

  const define = (tenantId: string, properties: object = ORDER()) =>
    runInTenant(tenantId, () =>
      registry.defineTenantModel<juggler.PersistedModelClass>(
        ds,
        'Order',
        properties,
      ),
    );

  it('returns the same class while the definition is unchanged', () => {
    const first = define('acme');
    expect(first.modelName).to.equal('Order_acme');
    expect(define('acme')).to.equal(first);
    expect(define('globex')).to.not.equal(first);
  });

  it('builds a new class and releases the old one when the definition changes', async () => {
    const first = define('acme');
    await first.create({customer: 'Ada'} as never);
    const second = define('acme', {...ORDER(), giftWrap: Boolean});
    expect(second).to.not.equal(first);
    expect(ds.getModel('Order_acme')).to.equal(second);
    expect(Object.keys(builderOf(ds).models)).to.containEql('Order_acme');
    expect(define('acme', {...ORDER(), giftWrap: Boolean})).to.equal(second);
  });

  it('is released with its tenant: the class and its nested models leave the builder', () => {
    define('acme');
    expect(anonymousModelNames(builderOf(ds))).to.have.length(2);
    registry.evictTenant('acme');
    expect(ds.getModel('Order_acme')).to.be.undefined();
    expect(anonymousModelNames(builderOf(ds))).to.be.empty();
    expect(define('acme').modelName).to.equal('Order_acme');
  });

  it('refuses to run without a tenant and defines nothing', () => {
    let error: unknown;
    try {
      registry.defineTenantModel(ds, 'Order', ORDER());
    } catch (e: unknown) {
      error = e;
    }
    expect(error).to.be.instanceOf(TenantRegistryError);
    expect(error).to.containDeep({code: 'TENANT_REQUIRED', statusCode: 400});
    expect(Object.keys(builderOf(ds).models)).to.be.empty();
  });

  it('names models injectively: distinct tenant ids never share a name', () => {
    expect(
      ['a-b', 'a.b', 'a:b', 'a_b', 'A_b', 'a__b', 'a_0b'].map(id =>
        ModelRegistry.tenantModelName('Order', id),
      ),
    ).to.deepEqual([
      'Order_a_2b',
      'Order_a_0b',
      'Order_a_1b',
      'Order_a__b',
      'Order__a__b',
      'Order_a____b',
      'Order_a__0b',
    ]);
    const tenantId = fc
      .stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,20}$/)
      .filter(isValidTenantId);
    fc.assert(
      fc.property(tenantId, tenantId, (a, b) => {
        const nameA = ModelRegistry.tenantModelName('Order', a);
        const nameB = ModelRegistry.tenantModelName('Order', b);
        return (
          (a === b) === (nameA === nameB) && /^[a-z0-9_]+$/.test(nameA.slice(6))
        );
      }),
      {numRuns: 2000, seed: 17},
    );
  });

  it('keeps names within maxIdentifierBytes (63 by default): long ids never share a model or table', () => {
    const [a, b] = ['a'.repeat(57) + 'x', 'a'.repeat(57) + 'y'];
    const names = [define(a).modelName, define(b).modelName];
    expect(names[0]).to.not.equal(names[1]);
    expect(names[0].toLowerCase()).to.not.equal(names[1].toLowerCase());
    expect(names.map(n => n.length)).to.deepEqual([63, 63]);
    expect(names).to.deepEqual([
      ModelRegistry.tenantModelName('Order', a),
      ModelRegistry.tenantModelName('Order', b),
    ]);
    // Short names are as they always were.
    expect(define('acme').modelName).to.equal('Order_acme');
  });

  it('names by the registry’s maxIdentifierBytes', () => {
    uninstall();
    registry = new ModelRegistry({maxIdentifierBytes: 128});
    uninstall = installJugglerBridge(registry);
    const id = 'a'.repeat(57) + 'x';
    expect(registry.maxIdentifierBytes).to.equal(128);
    expect(define(id).modelName).to.equal(`Order_${id}`);
    expect(
      ModelRegistry.tenantModelName('Order', id, {maxBytes: 128}),
    ).to.equal(`Order_${id}`);
  });

  it('refuses, defining nothing, a base name too long for a shortened name', () => {
    const baseName = 'CustomerSubscriptionInvoiceLineItem'; // 35 bytes
    const defineLong = (tenantId: string) =>
      runInTenant(tenantId, () =>
        registry.defineTenantModel(ds, baseName, ORDER()),
      );
    expect((defineLong('acme') as {modelName: string}).modelName).to.equal(
      `${baseName}_acme`,
    );
    const before = Object.keys(builderOf(ds).models).sort();
    let error: unknown;
    try {
      defineLong('a'.repeat(40));
    } catch (e: unknown) {
      error = e;
    }
    expect(error).to.containDeep({
      code: 'TENANT_IDENTIFIER_TOO_LONG',
      statusCode: 500,
    });
    expect(Object.keys(builderOf(ds).models).sort()).to.deepEqual(before);
  });
});
