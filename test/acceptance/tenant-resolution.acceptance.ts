// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect, type Client} from '@loopback/testlab';
import {TenantRegistryBindings, type ModelRegistry} from '../../src';
import {barrier, deferred} from '../fixtures/async';
import {
  givenTenantApp,
  probeHooks,
  type TenantTestApp,
} from '../fixtures/tenant-app';

describe('tenant resolution over HTTP (acceptance)', () => {
  let app: TenantTestApp;
  let client: Client;

  afterEach(async () => {
    probeHooks.whileHandling = undefined;
    await app?.stop();
  });

  describe('with the default MiddlewareSequence', () => {
    beforeEach(async () => {
      ({app, client} = await givenTenantApp());
    });

    it('sets the tenant for repository and controller construction and after awaits', async () => {
      const res = await client
        .get('/probe?delay=2')
        .set('x-tenant-id', 'acme')
        .expect(200);
      expect(res.body).to.deepEqual({
        repository: 'acme',
        controller: 'acme',
        method: 'acme',
        afterAwait: 'acme',
      });
    });

    it('keeps interleaved concurrent tenants apart', async () => {
      const bothInside = barrier(2);
      probeHooks.whileHandling = () => bothInside.wait();
      const [a, b] = await Promise.all([
        client.get('/probe?delay=5').set('x-tenant-id', 'tenant-a'),
        client.get('/probe').set('x-tenant-id', 'tenant-b'),
      ]);
      expect(Object.values(a.body)).to.matchEach('tenant-a');
      expect(Object.values(b.body)).to.matchEach('tenant-b');
    });

    it('isolates a fan-out of 100 concurrent requests over 20 tenants', async () => {
      const requests = Array.from({length: 100}, (_, i) => `t${i % 20}`);
      const responses = await Promise.all(
        requests.map(tenantId =>
          client
            .get(`/probe?delay=${Math.floor(Math.random() * 4)}`)
            .set('x-tenant-id', tenantId),
        ),
      );
      responses.forEach((res, i) => {
        expect(res.status).to.equal(200);
        expect(Object.values(res.body)).to.matchEach(requests[i]);
      });
    });

    it('gives each tenant its own per-tenant model and data', async () => {
      const order = {
        address: {street: 'Main', city: 'A'},
        items: [{sku: 'x', qty: 1}],
      };
      await client
        .post('/orders')
        .set('x-tenant-id', 'a')
        .send(order)
        .expect(200);
      const a = await client.get('/orders').set('x-tenant-id', 'a').expect(200);
      const b = await client.get('/orders').set('x-tenant-id', 'b').expect(200);
      expect(a.body).to.containDeep({
        tenant: 'a',
        model: 'Order_a',
        rows: [order],
      });
      expect(b.body).to.containDeep({tenant: 'b', model: 'Order_b', rows: []});
    });

    it('runs a request without a tenant in the global scope', async () => {
      const res = await client.get('/probe').expect(200);
      expect(res.body).to.deepEqual({
        repository: null,
        controller: null,
        method: null,
        afterAwait: null,
      });
    });

    const badHeaders: [string, string][] = [
      ['empty', ''],
      ['__proto__', '__proto__'],
      ['over-long', 'x'.repeat(129)],
      ['a comma list', 'a,b'],
      ['whitespace', 'a b'],
      ['percent-encoded', 'a%2Fb'],
    ];
    for (const [label, value] of badHeaders) {
      it(`answers 400 INVALID_TENANT_ID for a header that is ${label}`, async () => {
        const res = await client
          .get('/probe')
          .set('x-tenant-id', value)
          .expect(400);
        expect(res.body.error).to.containDeep({
          statusCode: 400,
          code: 'INVALID_TENANT_ID',
        });
      });
    }

    it('answers 400 INVALID_TENANT_ID for a repeated header', async () => {
      const res = await client
        .get('/probe')
        .set('x-tenant-id', ['a', 'b'] as unknown as string)
        .expect(400);
      expect(res.body.error.code).to.equal('INVALID_TENANT_ID');
    });

    it('answers 400 INVALID_TENANT_ID for unicode in the header', async () => {
      const res = await client
        .get('/probe')
        .set('x-tenant-id', Buffer.from('acmé', 'utf8').toString('latin1'))
        .expect(400);
      expect(res.body.error.code).to.equal('INVALID_TENANT_ID');
    });

    it('holds a lease while a request is in flight and releases it after', async () => {
      const registry = await app.get<ModelRegistry>(
        TenantRegistryBindings.REGISTRY,
      );
      const inside = deferred();
      const proceed = deferred();
      probeHooks.whileHandling = async () => {
        inside.resolve();
        await proceed.promise;
      };
      const pending = client.get('/probe').set('x-tenant-id', 'busy');
      const done = pending.then(res => res);
      await inside.promise;
      expect(registry.isLeased('busy')).to.be.true();
      proceed.resolve();
      expect((await done).status).to.equal(200);
      expect(registry.isLeased('busy')).to.be.false();
    });

    it('releases the lease after an error response', async () => {
      const registry = await app.get<ModelRegistry>(
        TenantRegistryBindings.REGISTRY,
      );
      await client.get('/fail').set('x-tenant-id', 'oops').expect(500);
      expect(registry.isLeased('oops')).to.be.false();
    });

    it('adds no endpoint to the OpenAPI spec', async () => {
      const spec = await app.restServer.getApiSpec();
      expect(Object.keys(spec.paths).sort()).to.deepEqual([
        '/fail',
        '/orders',
        '/probe',
      ]);
    });
  });

  describe('requireTenant', () => {
    it('answers 400 TENANT_REQUIRED when no strategy names a tenant', async () => {
      ({app, client} = await givenTenantApp({requireTenant: true}));
      const res = await client.get('/probe').expect(400);
      expect(res.body.error.code).to.equal('TENANT_REQUIRED');
      await client.get('/probe').set('x-tenant-id', 'a').expect(200);
    });

    it('resolves no tenant on our own endpoints, and only on them', async () => {
      ({app, client} = await givenTenantApp({
        requireTenant: true,
        dashboard: {enabled: true, token: 'dashboard-token'},
      }));
      const own = [
        '/health/tenant-registry',
        '/health/tenant-registry?verbose=1',
        '/tenant-registry/metrics',
        '/tenant-registry/dashboard?token=dashboard-token',
        '/tenant-registry/dashboard/api/stats',
      ];
      // A tenant id no strategy accepts: our endpoints never look at it.
      for (const url of own) {
        await client
          .get(url)
          .set('authorization', 'Bearer dashboard-token')
          .set('x-tenant-id', 'not a tenant')
          .expect(200);
      }
      const lookalikes = [
        '/health/tenant-registryx',
        '/health/tenant-registry/x',
        '/health',
        '/tenant-registry/metrics2',
        '/tenant-registry/dashboardx?token=dashboard-token',
        '/tenant-registry',
      ];
      for (const url of lookalikes) {
        const res = await client
          .get(url)
          .set('x-tenant-id', 'not a tenant')
          .expect(400);
        expect(res.body.error.code).to.equal('INVALID_TENANT_ID');
      }
    });
  });

  describe('with the legacy DefaultSequence', () => {
    it('sets the tenant around the controller method through the interceptor', async () => {
      ({app, client} = await givenTenantApp({}, {sequence: 'default'}));
      const res = await client
        .get('/probe?delay=1')
        .set('x-tenant-id', 'legacy')
        .expect(200);
      expect(res.body).to.containDeep({method: 'legacy', afterAwait: 'legacy'});
      const bad = await client
        .get('/probe')
        .set('x-tenant-id', '__proto__')
        .expect(400);
      expect(bad.body.error.code).to.equal('INVALID_TENANT_ID');
    });
  });
});
