// Copyright loopback4-tenant-registry contributors. MIT License.

import {inject} from '@loopback/core';
import {get} from '@loopback/rest';
import {expect, type Client} from '@loopback/testlab';
import {setFlagsFromString} from 'node:v8';
import {runInNewContext} from 'node:vm';
import {
  getCurrentTenant,
  getCurrentTenantInfo,
  TenantRegistryBindings,
  type TenantAdmissionCheck,
  type TenantRegistryOptions,
} from '../../src';
import {barrier, tick} from '../fixtures/async';
import {givenTenantApp, type TenantTestApp} from '../fixtures/tenant-app';

/** What the app's tenant table holds: the record its check returns. */
interface Shop {
  id: string;
  plan: string;
  version: number;
}

/** Hooks a test can set to pause a request. */
const hooks: {whileHandling?: () => Promise<void>} = {};

const OBJECT = {
  responses: {
    '200': {content: {'application/json': {schema: {type: 'object'}}}},
  },
};

/** Reports the record the way a controller and a service would read it. */
class ShopController {
  constructor(
    @inject(TenantRegistryBindings.CURRENT_TENANT_INFO)
    private readonly shop?: Shop,
  ) {}

  @get('/shop', OBJECT)
  async read(): Promise<object> {
    await hooks.whileHandling?.();
    return {
      tenant: getCurrentTenant() ?? null,
      injected: this.shop ?? null,
      fromFunction: getCurrentTenantInfo<Shop>() ?? null,
    };
  }
}

describe('the tenant record from the admission check (acceptance)', () => {
  let app: TenantTestApp | undefined;
  let client: Client;
  /** Tenant ids in the order the check was asked about them. */
  let asked: string[];
  /** The shops the check knows; `true` admits without a record. */
  let shops: Map<string, Omit<Shop, 'version'> | true>;

  beforeEach(() => {
    asked = [];
    shops = new Map<string, Omit<Shop, 'version'> | true>([
      ['acme', {id: 'acme', plan: 'gold'}],
      ['globex', {id: 'globex', plan: 'free'}],
      ['plain', true],
    ]);
  });
  afterEach(async () => {
    hooks.whileHandling = undefined;
    await app?.stop();
    app = undefined;
  });

  it('injects the record the check returned, asking the check once per tenant', async () => {
    await givenShopApp();
    for (let i = 0; i < 3; i++) {
      const res = await client.get('/shop').set('x-tenant-id', 'acme');
      expect(res.status).to.equal(200);
      const acme = {id: 'acme', plan: 'gold', version: 1};
      expect(res.body).to.deepEqual({
        tenant: 'acme',
        injected: acme,
        fromFunction: acme,
      });
    }
    expect(asked).to.deepEqual(['acme']);
  });

  it('injects undefined without a tenant, and for a tenant whose check answered true', async () => {
    await givenShopApp();
    const none = await client.get('/shop').expect(200);
    expect(none.body).to.deepEqual({
      tenant: null,
      injected: null,
      fromFunction: null,
    });
    const plain = await client.get('/shop').set('x-tenant-id', 'plain');
    expect(plain.body).to.deepEqual({
      tenant: 'plain',
      injected: null,
      fromFunction: null,
    });
    const unknown = await client.get('/shop').set('x-tenant-id', 'initech');
    expect(unknown.status).to.equal(404);
    expect(unknown.body.error.code).to.equal('TENANT_NOT_FOUND');
  });

  it('never shows a request another tenant’s record: concurrent requests meet at a barrier', async () => {
    const tenantIds = Array.from({length: 40}, (_, i) => `shop-${i}`);
    for (const id of tenantIds) shops.set(id, {id, plan: `plan-${id}`});
    await givenShopApp();
    const allIn = barrier(tenantIds.length);
    hooks.whileHandling = () => allIn.wait();
    const answers = await Promise.all(
      tenantIds.map(id => client.get('/shop').set('x-tenant-id', id)),
    );
    for (const [i, res] of answers.entries()) {
      const own = {id: tenantIds[i], plan: `plan-${tenantIds[i]}`, version: 1};
      expect(res.body).to.deepEqual({
        tenant: tenantIds[i],
        injected: own,
        fromFunction: own,
      });
    }
    expect(asked.sort()).to.deepEqual([...tenantIds].sort());
  });

  it('drops the record when the tenant is evicted: the next request asks again, and nothing keeps it', async () => {
    const gc = exposeGc();
    let huge: WeakRef<object> | undefined;
    await givenShopApp({}, (tenantId, version) => {
      // A hostile answer: a large record, the app's own choice to return.
      const record = {id: tenantId, plan: 'gold', version, blob: hugeBlob()};
      if (version === 1) huge = new WeakRef(record);
      return record;
    });
    const first = await client.get('/shop').set('x-tenant-id', 'acme');
    expect(first.body.injected.version).to.equal(1);
    const admission = await app!.get(TenantRegistryBindings.ADMISSION);
    expect(admission.cacheSize.allowed).to.equal(1);

    const registry = await app!.get(TenantRegistryBindings.REGISTRY);
    expect(registry.evictTenant('acme')).to.not.be.undefined();
    expect(admission.cacheSize.allowed).to.equal(0);
    await tick();
    gc();
    expect(huge!.deref()).to.be.undefined();

    const again = await client.get('/shop').set('x-tenant-id', 'acme');
    expect(again.body.injected.version).to.equal(2);
    expect(asked).to.deepEqual(['acme', 'acme']);
  });

  it('drops the record of a suspended tenant, and asks again once it is resumed', async () => {
    await givenShopApp();
    await client.get('/shop').set('x-tenant-id', 'acme').expect(200);
    const admin = await app!.get(TenantRegistryBindings.ADMIN);
    const admission = await app!.get(TenantRegistryBindings.ADMISSION);
    await admin.suspendTenantEverywhere('acme');
    expect(admission.cacheSize.allowed).to.equal(0);
    const refused = await client.get('/shop').set('x-tenant-id', 'acme');
    expect(refused.status).to.equal(403);
    await admin.resumeTenantEverywhere('acme');
    const resumed = await client.get('/shop').set('x-tenant-id', 'acme');
    expect(resumed.body.injected).to.deepEqual({
      id: 'acme',
      plan: 'gold',
      version: 2,
    });
    expect(asked).to.deepEqual(['acme', 'acme']);
  });

  it('answers 400 TENANT_REQUIRED for the record of a request without a tenant under requireTenant', async () => {
    await givenShopApp({requireTenant: true});
    const refused = await client.get('/shop').expect(400);
    expect(refused.body.error).to.containDeep({
      code: 'TENANT_REQUIRED',
      name: 'BadRequestError',
    });
    const res = await client.get('/shop').set('x-tenant-id', 'acme');
    expect(res.body.injected).to.containDeep({id: 'acme', plan: 'gold'});
  });

  it('gives the record to work run through ADMISSION.runInTenant, from the same cached answer', async () => {
    await givenShopApp();
    await client.get('/shop').set('x-tenant-id', 'globex').expect(200);
    const admission = await app!.get(TenantRegistryBindings.ADMISSION);
    const seen = await admission.runInTenant('globex', async () => {
      await tick();
      return getCurrentTenantInfo<Shop>();
    });
    expect(seen).to.deepEqual({id: 'globex', plan: 'free', version: 1});
    expect(asked).to.deepEqual(['globex']);
  });

  /**
   * The app with an async check over `shops` (a fresh object per call, with
   * the call's number as `version`) and the `/shop` route.
   */
  async function givenShopApp(
    options: TenantRegistryOptions = {},
    toRecord = (tenantId: string, version: number): object => ({
      ...(shops.get(tenantId) as object),
      version,
    }),
  ): Promise<void> {
    const check: TenantAdmissionCheck = async tenantId => {
      asked.push(tenantId);
      await tick();
      const shop = shops.get(tenantId);
      if (shop === undefined || shop === true) return shop === true;
      return toRecord(tenantId, asked.filter(id => id === tenantId).length);
    };
    ({app, client} = await givenTenantApp(
      {cleanupInterval: 0, ...options},
      {
        beforeStart: created => {
          created.bind(TenantRegistryBindings.ADMISSION_CHECK).to(check);
          created.controller(ShopController);
        },
      },
    ));
  }
});

/** About 800 kB of numbers. */
function hugeBlob(): number[] {
  return new Array<number>(100_000).fill(1.5);
}

function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
