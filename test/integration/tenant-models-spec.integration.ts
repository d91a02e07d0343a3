// Copyright loopback4-tenant-registry contributors. MIT License.

import {juggler} from '@loopback/repository';
import {expect} from '@loopback/testlab';
import {installJugglerBridge, ModelRegistry, runInTenant} from '../../src';
import {anonymousModelNames, builderOf} from '../fixtures/juggler';

const ORDER = () => ({
  customer: String,
  address: {street: String, city: String},
});

describe('ModelRegistry.defineTenantModel() (specification, real juggler)', () => {
  let registry: ModelRegistry;
  let ds: juggler.DataSource;
  let uninstall: () => void;

  beforeEach(() => {
    registry = new ModelRegistry();
    uninstall = installJugglerBridge(registry);
    ds = new juggler.DataSource({name: 'db', connector: 'memory'});
  });
  afterEach(() => uninstall());

  const define = (properties: object = ORDER(), settings?: object) =>
    runInTenant('acme', () =>
      registry.defineTenantModel<juggler.PersistedModelClass>(
        ds,
        'Order',
        properties,
        settings,
      ),
    );

  it('treats no settings and empty settings as the same definition', () => {
    const first = define(ORDER());
    expect(define(ORDER(), {})).to.equal(first);
  });

  it('treats a type written as a name like the type itself', () => {
    const first = define({...ORDER(), note: 'string'});
    expect(define({...ORDER(), note: String})).to.equal(first);
  });

  it('builds the model again when the application has since redefined its name', () => {
    const first = define();
    const theApps = ds.createModel('Order_acme', {other: String});
    const again = define();
    expect(again).to.not.equal(first);
    expect(again).to.not.equal(theApps);
    expect(ds.getModel('Order_acme')).to.equal(again);
  });

  it('replaces the tenant’s model when its definition changes: the tenant owns one model', () => {
    const first = define();
    const changed = define({
      ...ORDER(),
      address: {street: String, zip: String},
    });
    expect(changed).to.not.equal(first);
    expect(ds.getModel('Order_acme')).to.equal(changed);
    expect(registry.getTenantRegistryInfo()[0].namedModels).to.equal(1);
    registry.evictTenant('acme');
    expect(ds.getModel('Order_acme')).to.be.undefined();
    expect(anonymousModelNames(builderOf(ds))).to.be.empty();
  });
});
