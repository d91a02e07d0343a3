// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect, type Client} from '@loopback/testlab';
import {
  runInTenant,
  TenantRegistryBindings,
  type ModelRegistry,
} from '../../src';
import {SLICE_BUDGET_MS} from '../../src/eviction/tenant-evictor';
import {
  builderOf,
  defineAnonymous,
  givenMemoryDataSource,
} from '../fixtures/juggler';
import {probeAfterFirstEviction} from '../fixtures/slow-evictions';
import {givenTenantApp, type TenantTestApp} from '../fixtures/tenant-app';

const TOKEN = 'operator-token-0123456789';
const BASE = '/tenant-registry/dashboard';
const AUTH = {
  authorization: `Bearer ${TOKEN}`,
  'x-tenant-registry-action': '1',
};

interface Row {
  tenantId: string;
  models: number;
  idleMs: number;
  isLeased: boolean;
}

describe('dashboard: stats and evict-all over many tenants (acceptance)', () => {
  const builder = builderOf(givenMemoryDataSource());
  let app: TenantTestApp;
  let client: Client;
  let registry: ModelRegistry;

  beforeEach(async () => {
    ({app, client} = await givenTenantApp({
      cleanupInterval: 0,
      dashboard: {enabled: true, token: TOKEN},
    }));
    registry = await app.get(TenantRegistryBindings.REGISTRY);
  });
  afterEach(() => app.stop());

  let fields = 0;
  /** Give a tenant `count` more anonymous models (and touch it). */
  function givenModels(tenantId: string, count: number) {
    runInTenant(tenantId, () => {
      for (let i = 0; i < count; i++) {
        const properties = {[`f${fields++}`]: String};
        registry.registerModel(
          defineAnonymous(builder, properties),
          properties,
        );
      }
    });
  }

  it('evicts all in slices: the loop runs between them; idle tenants go, a busy one stays', async () => {
    for (let i = 0; i < 12; i++) givenModels(`t${i}`, 1);
    givenModels('busy', 1);
    registry.acquire('busy');
    const liveAtFirstTurn = probeAfterFirstEviction(
      registry,
      SLICE_BUDGET_MS + 1,
      () => registry.tenantCount,
    );
    const res = await client
      .post(`${BASE}/api/evict-all`)
      .set(AUTH)
      .expect(200);
    expect(res.body).to.deepEqual({evicted: 12});
    expect(await liveAtFirstTurn).to.equal(12);
    expect(registry.tenantIds()).to.deepEqual(['busy']);
    registry.release('busy');
    // Not in use is what the operator asked for: nothing was deferred.
    expect(registry.tenantIds()).to.deepEqual(['busy']);
  });

  it('ranks the top tenants by models and by idle time, kept as tenants change', async () => {
    // t0 .. t14 get 1 .. 15 models, oldest first; then some change.
    for (let i = 0; i < 15; i++) givenModels(`t${i}`, i + 1);
    givenModels('t3', 20);
    registry.evictTenant('t14');
    const named = givenMemoryDataSource('named').createModel('NamedT2', {});
    registry.trackModel('t2', named);
    registry.acquire('t5');
    const stats = await client.get(`${BASE}/api/stats`).set(AUTH).expect(200);
    registry.release('t5');
    const byModels = stats.body.topByModels as Row[];
    expect(byModels.map(r => [r.tenantId, r.models])).to.deepEqual([
      ['t3', 24],
      ['t13', 14],
      ['t12', 13],
      ['t11', 12],
      ['t10', 11],
      ['t9', 10],
      ['t8', 9],
      ['t7', 8],
      ['t6', 7],
      ['t5', 6],
    ]);
    expect(byModels.find(r => r.tenantId === 't5')?.isLeased).to.be.true();
    const byIdle = stats.body.topByIdle as Row[];
    // The least recently used first: t3, t2 and t5 (its lease) were used
    // last.
    expect(byIdle.map(r => r.tenantId)).to.deepEqual([
      't0',
      't1',
      't4',
      't6',
      't7',
      't8',
      't9',
      't10',
      't11',
      't12',
    ]);
    expect(stats.body.health.metrics).to.containDeep({
      tenantScopes: 14,
      totalTenantModels: 105 + 20,
      leasedTenants: 1,
    });
  });
});
