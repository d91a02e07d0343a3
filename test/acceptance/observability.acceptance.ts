// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect, type Client} from '@loopback/testlab';
import {register} from 'prom-client';
import {TenantRegistryBindings, type TenantRegistryOptions} from '../../src';
import {givenTenantApp, type TenantTestApp} from '../fixtures/tenant-app';

const ORDER = {address: {street: 's', city: 'c'}, items: [{sku: 'x', qty: 1}]};

describe('observability (acceptance)', () => {
  let app: TenantTestApp | undefined;
  let client: Client;

  afterEach(async () => {
    await app?.stop();
    app = undefined;
  });

  async function given(options: TenantRegistryOptions = {}) {
    ({app, client} = await givenTenantApp({cleanupInterval: 0, ...options}));
  }

  async function traffic(tenants: string[], requestsEach: number) {
    for (let r = 0; r < requestsEach; r++) {
      for (const tenantId of tenants) {
        await client
          .post('/orders')
          .set('x-tenant-id', tenantId)
          .send(ORDER)
          .expect(200);
      }
    }
  }

  function metricValue(text: string, name: string): number {
    const line = text.split('\n').find(l => l.startsWith(name + ' '));
    if (line === undefined) throw new Error(`no sample ${name}`);
    return Number(line.slice(name.length + 1));
  }

  describe('metrics', () => {
    it('serves metrics with the right names, types and values after known traffic', async () => {
      await given({metrics: {path: '/metrics'}});
      await traffic(['a', 'b', 'c'], 2);
      const manager = await app!.get(TenantRegistryBindings.REGISTRY_MANAGER);
      manager.forceCleanup();
      const res = await client.get('/metrics').expect(200);
      const text: string = res.text;
      expect(text).to.match(/# TYPE tenant_registry_tenants gauge/);
      expect(text).to.match(/# TYPE tenant_registry_lookups_total counter/);
      expect(text).to.match(/# TYPE tenant_registry_evictions_total counter/);
      expect(text).to.match(
        /# TYPE tenant_registry_cleanup_duration_seconds histogram/,
      );
      expect(metricValue(text, 'tenant_registry_tenants')).to.equal(0);
      // 3 tenants x 2 anonymous models (address, items), each built once.
      expect(
        metricValue(text, 'tenant_registry_models_created_total'),
      ).to.equal(6);
      expect(
        metricValue(text, 'tenant_registry_evictions_total{reason="manual"}'),
      ).to.equal(3);
      expect(
        metricValue(text, 'tenant_registry_evictions_total{reason="idle"}'),
      ).to.equal(0);
      expect(
        metricValue(text, 'tenant_registry_lookups_total{result="miss"}'),
      ).to.equal(6);
      expect(
        metricValue(text, 'tenant_registry_lookups_total{result="hit"}'),
      ).to.be.aboveOrEqual(0);
      expect(
        metricValue(text, 'tenant_registry_cleanup_duration_seconds_count'),
      ).to.equal(1);
      expect(text).to.not.match(/tenant="?[abc]"?/);
    });

    it('keeps counters monotonic across scrapes', async () => {
      await given();
      const metrics = await app!.get(TenantRegistryBindings.METRICS);
      await traffic(['a'], 1);
      const first = metricValue(
        await metrics.metricsText(),
        'tenant_registry_models_created_total',
      );
      await traffic(['b'], 1);
      const second = metricValue(
        await metrics.metricsText(),
        'tenant_registry_models_created_total',
      );
      expect([first, second]).to.deepEqual([2, 4]);
    });

    it('serves no metrics endpoint unless a path is configured', async () => {
      await given();
      await client.get('/metrics').expect(404);
    });

    it('adds its metrics to prom-client’s global registry when asked', async () => {
      await given({metrics: {registerGlobally: true}});
      await traffic(['a'], 1);
      expect(await register.metrics()).to.match(/tenant_registry_tenants 1/);
      register.clear();
    });
  });

  describe('health', () => {
    it('reports healthy with the registry figures, hidden from the spec', async () => {
      await given({requireTenant: true});
      await traffic(['a'], 2);
      const res = await client.get('/health/tenant-registry').expect(200);
      expect(res.body).to.containDeep({
        status: 'healthy',
        warnings: [],
        metrics: {tenantScopes: 1, totalTenantModels: 2, misses: 2},
      });
      const {hits, misses, reuseRate} = res.body.metrics;
      expect(reuseRate).to.equal(hits / (hits + misses));
      expect(new Date(res.body.timestamp).getTime()).to.not.be.NaN();
      const spec = await app!.restServer.getApiSpec();
      expect(spec.paths).to.not.have.property('/health/tenant-registry');
    });

    it('warns when tenants go over the configured limit', async () => {
      await given({health: {warnAtTenants: 1, path: '/status/tenants'}});
      await traffic(['a', 'b'], 1);
      const res = await client.get('/status/tenants').expect(200);
      expect(res.body.status).to.equal('warning');
      expect(res.body.warnings[0]).to.match(
        /2 tenants are live, over the limit of 1/,
      );
      const readyCheck = await app!.get(TenantRegistryBindings.HEALTH_CHECK);
      await expect(readyCheck()).to.be.rejectedWith(/over the limit/);
    });

    it('warns when the tenant cap is reached, and shows the cap', async () => {
      await given({maxTenants: 2});
      await traffic(['a'], 1);
      const before = await client.get('/health/tenant-registry').expect(200);
      expect(before.body).to.containDeep({
        status: 'healthy',
        metrics: {tenantScopes: 1, maxTenants: 2},
      });
      await traffic(['b'], 1);
      const res = await client.get('/health/tenant-registry').expect(200);
      expect(res.body.status).to.equal('warning');
      expect(res.body.warnings).to.deepEqual([
        'the tenant cap of 2 is reached',
      ]);
    });

    it('shows an unlimited tenant cap as null', async () => {
      await given({maxTenants: Infinity});
      await traffic(['a'], 1);
      const res = await client.get('/health/tenant-registry').expect(200);
      expect(res.body.status).to.equal('healthy');
      expect(res.body.metrics.maxTenants).to.be.null();
    });

    it('warns when the reuse rate is under the floor', async () => {
      await given({health: {minReuseRate: 0.99, minLookups: 1}});
      await traffic(['a', 'b', 'c'], 1);
      const res = await client.get('/health/tenant-registry').expect(200);
      expect(res.body.status).to.equal('warning');
      expect(res.body.warnings.join()).to.match(/reuse rate/);
    });

    it('binds a readiness check tagged for LoopBack health', async () => {
      await given();
      const bindings = app!.findByTag('health.readyCheck');
      expect(bindings.map(b => b.key)).to.deepEqual([
        TenantRegistryBindings.HEALTH_CHECK.key,
      ]);
      const check = await app!.get(TenantRegistryBindings.HEALTH_CHECK);
      await check();
    });

    it('can be turned off', async () => {
      await given({health: {enabled: false}});
      await client.get('/health/tenant-registry').expect(404);
    });
  });
});
