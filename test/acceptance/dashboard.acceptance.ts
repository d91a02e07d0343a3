// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect, type Client} from '@loopback/testlab';
import {TenantRegistryBindings, type TenantRegistryOptions} from '../../src';
import {givenTenantApp, type TenantTestApp} from '../fixtures/tenant-app';

const TOKEN = 'operator-token-0123456789';
const BASE = '/tenant-registry/dashboard';
const ORDER = {address: {street: 's', city: 'c'}, items: [{sku: 'x', qty: 1}]};

describe('dashboard and admin API (acceptance)', () => {
  let app: TenantTestApp | undefined;
  let client: Client;

  afterEach(async () => {
    await app?.stop();
    app = undefined;
  });

  async function given(dashboard: TenantRegistryOptions['dashboard']) {
    ({app, client} = await givenTenantApp({
      cleanupInterval: 0,
      requireTenant: true,
      dashboard,
    }));
    for (const tenantId of ['secret-tenant-a', 'secret-tenant-b']) {
      await client
        .post('/orders')
        .set('x-tenant-id', tenantId)
        .send(ORDER)
        .expect(200);
    }
  }

  it('is off by default', async () => {
    await given(undefined);
    await client.get(BASE).expect(404);
    await client
      .get(`${BASE}?token=${TOKEN}`)
      .set('x-tenant-id', 'a')
      .expect(404);
  });

  it('refuses to start enabled without a token or authorizer', async () => {
    await expect(given({enabled: true})).to.be.rejectedWith(/`dashboard`/);
  });

  describe('with a token', () => {
    beforeEach(() => given({enabled: true, token: TOKEN}));

    const refused: [string, string, Record<string, string>][] = [
      ['the page without a token', `GET ${BASE}`, {}],
      ['the page with a wrong token', `GET ${BASE}?token=nope`, {}],
      ['stats without a token', `GET ${BASE}/api/stats`, {}],
      [
        'stats with the token in the query',
        `GET ${BASE}/api/stats?token=${TOKEN}`,
        {},
      ],
      [
        'evict-all with a wrong token',
        `POST ${BASE}/api/evict-all`,
        {authorization: 'Bearer nope', 'x-tenant-registry-action': '1'},
      ],
      [
        'evict without a token',
        `POST ${BASE}/api/tenants/secret-tenant-a/evict`,
        {},
      ],
    ];
    for (const [label, request, headers] of refused) {
      it(`answers 401 DASHBOARD_UNAUTHORIZED for ${label}, leaking nothing`, async () => {
        const [method, path] = request.split(' ');
        const res = await (
          method === 'GET' ? client.get(path) : client.post(path)
        )
          .set(headers)
          .expect(401);
        expect(res.body.error.code).to.equal('DASHBOARD_UNAUTHORIZED');
        expect(res.text).to.not.match(/secret-tenant|operator-token/);
      });
    }

    it('serves the page with the token, hidden from the OpenAPI spec', async () => {
      const res = await client.get(`${BASE}?token=${TOKEN}`).expect(200);
      expect(res.headers['content-type']).to.match(/text\/html/);
      expect(res.text).to.match(/Evict all tenants/);
      const spec = await app!.restServer.getApiSpec();
      expect(
        Object.keys(spec.paths).filter(p => p.startsWith(BASE)),
      ).to.be.empty();
    });

    it('lists totals and top tenants, then evict-all empties the registry', async () => {
      const auth = {
        authorization: `Bearer ${TOKEN}`,
        'x-tenant-registry-action': '1',
      };
      const stats = await client.get(`${BASE}/api/stats`).set(auth).expect(200);
      expect(stats.body.health.metrics.tenantScopes).to.equal(2);
      expect(
        stats.body.topByModels
          .map((t: {tenantId: string}) => t.tenantId)
          .sort(),
      ).to.deepEqual(['secret-tenant-a', 'secret-tenant-b']);
      const cleanup = await client
        .post(`${BASE}/api/evict-all`)
        .set(auth)
        .expect(200);
      expect(cleanup.body).to.deepEqual({evicted: 2});
      const registry = await app!.get(TenantRegistryBindings.REGISTRY);
      expect(registry.tenantIds()).to.be.empty();
    });

    it('evicts one tenant, and refuses an invalid id without echoing it', async () => {
      const auth = {authorization: `Bearer ${TOKEN}`};
      await client
        .post(`${BASE}/api/tenants/secret-tenant-a/evict`)
        .set(auth)
        .expect(403);
      const res = await client
        .post(`${BASE}/api/tenants/secret-tenant-a/evict`)
        .set(auth)
        .set('content-type', 'application/json')
        .send({})
        .expect(200);
      expect(res.body).to.deepEqual({evicted: true, deferred: false});
      const registry = await app!.get(TenantRegistryBindings.REGISTRY);
      expect(registry.tenantIds()).to.deepEqual(['secret-tenant-b']);
      const bad = await client
        .post(`${BASE}/api/tenants/${encodeURIComponent('<script>x')}/evict`)
        .set(auth)
        .set('x-tenant-registry-action', '1')
        .expect(400);
      expect(bad.body.error.code).to.equal('INVALID_TENANT_ID');
      expect(bad.text).to.not.match(/script/);
    });
  });

  it('uses an app-supplied authorizer instead of a token', async () => {
    await given({
      enabled: true,
      authorize: request => request.headers['x-operator'] === 'yes',
    });
    await client.get(`${BASE}/api/stats`).expect(401);
    await client.get(`${BASE}/api/stats`).set('x-operator', 'yes').expect(200);
  });

  it('refuses a state change sent as a simple (cross-site) request', async () => {
    // A cookie-based authorizer: the browser sends the cookie with any
    // cross-origin form POST, so the request itself must prove it is not one.
    await given({
      enabled: true,
      authorize: request => /session=ok/.test(request.headers.cookie ?? ''),
    });
    const registry = await app!.get(TenantRegistryBindings.REGISTRY);
    for (const type of [
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'text/plain',
    ]) {
      const res = await client
        .post(`${BASE}/api/tenants/secret-tenant-a/suspend`)
        .set('cookie', 'session=ok')
        .set('content-type', type)
        .send('a=1')
        .expect(403);
      expect(res.body.error.code).to.equal('DASHBOARD_FORBIDDEN');
    }
    expect(registry.tenantIds()).to.containEql('secret-tenant-a');
    await client
      .post(`${BASE}/api/tenants/secret-tenant-a/suspend`)
      .set('cookie', 'session=ok')
      .set('content-type', 'application/json')
      .send('{}')
      .expect(200);
    expect(registry.tenantIds()).to.not.containEql('secret-tenant-a');
    await client
      .get('/orders')
      .set('x-tenant-id', 'secret-tenant-a')
      .expect(403);
  });
});
