// Copyright loopback4-tenant-registry contributors. MIT License.

import {get, param} from '@loopback/rest';
import {expect, type Client} from '@loopback/testlab';
import {TenantRegistryBindings} from '../../src';
import {
  givenTenantApp,
  type TenantAppOptions,
  type TenantTestApp,
} from '../fixtures/tenant-app';

const TOKEN = 'operator-token-0123456789';
const BASE = '/tenant-registry/dashboard';
const AUTH = {
  authorization: `Bearer ${TOKEN}`,
  'x-tenant-registry-action': '1',
};
const ORDER = {address: {street: 's', city: 'c'}, items: [{sku: 'x', qty: 1}]};

/** An app route with a path parameter, to show its answers are unchanged. */
class ThingController {
  @get('/things/{thingId}', {
    responses: {'200': {content: {'application/json': {}}}},
  })
  thing(@param.path.string('thingId') thingId: string): object {
    return {thingId};
  }
}

// Malformed percent-escapes: LoopBack's router calls decodeURIComponent on
// path parameters and answers 500 for the URIError.
const MALFORMED = ['%ZZ', '%', '%E0%A4%A', '%C3%28', 'a%2'];

describe("the dashboard's paths (acceptance)", () => {
  let app: TenantTestApp | undefined;
  let client: Client;

  afterEach(async () => {
    await app?.stop();
    app = undefined;
  });

  for (const sequence of ['middleware', 'default'] as const) {
    describe(`on the ${sequence} sequence`, () => {
      beforeEach(() => given({}, {sequence}));

      for (const segment of MALFORMED) {
        it(`answers 400 INVALID_PATH for a tenant id ${JSON.stringify(segment)}, before authorization`, async () => {
          for (const action of ['evict', 'suspend', 'resume']) {
            const res = await client
              .post(`${BASE}/api/tenants/${segment}/${action}`)
              .expect(400);
            expect(res.body.error.code).to.equal('INVALID_PATH');
            expect(res.text).to.not.match(/%|ZZ/);
          }
          await client
            .post(`${BASE}/api/tenants/${segment}/suspend`)
            .set(AUTH)
            .expect(400);
        });
      }

      it('answers 400 INVALID_PATH anywhere under the dashboard path, as the router splits it', async () => {
        for (const path of [
          `${BASE}/%ZZ`,
          `${BASE}/api/%ZZ?token=${TOKEN}`,
          // The router skips empty segments: these reach the same routes.
          '/tenant-registry//dashboard/api/tenants/%ZZ/suspend',
          `/${BASE}//api/tenants/%ZZ/suspend/?x=%`,
        ]) {
          const res = await client.post(path).expect(400);
          expect(res.body.error.code).to.equal('INVALID_PATH');
        }
        // A malformed query is not a path: the query parser keeps it as is.
        const res = await client
          .post(`${BASE}/api/tenants/a/evict?x=%ZZ`)
          .expect(401);
        expect(res.body.error.code).to.equal('DASHBOARD_UNAUTHORIZED');
      });

      it('leaves well-formed escapes alone', async () => {
        const res = await client
          .post(`${BASE}/api/tenants/${encodeURIComponent('a:b')}/suspend`)
          .set(AUTH)
          .expect(200);
        expect(res.body).to.deepEqual({suspended: true});
        const admin = await app!.get(TenantRegistryBindings.ADMIN);
        expect(admin.isSuspended('a:b')).to.be.true();
      });

      it("leaves the app's own routes as LoopBack answers them", async () => {
        await client.get('/things/a%3Ab').expect(200, {thingId: 'a:b'});
        const res = await client.get('/things/%ZZ');
        expect(res.status).to.equal(500);
        expect(res.body.error.code).to.be.undefined();
        // A path next to the dashboard's is not the dashboard's.
        await client.get(`${BASE}-other/%ZZ`).expect(404);
      });

      it('answers health and metrics paths with a malformed escape without a 500', async () => {
        for (const path of [
          '/tenant-registry/health/%ZZ',
          '/tenant-registry/health%ZZ',
          '/tenant-registry/metrics/%ZZ',
        ]) {
          const res = await client.get(path);
          expect({path, status: res.status}).to.deepEqual({path, status: 404});
        }
      });
    });
  }

  describe("with tenantIdCase: 'lowercase'", () => {
    beforeEach(() => given({tenantIdCase: 'lowercase'}));

    it('evicts ACME as acme, and says so', async () => {
      await client
        .post('/orders')
        .set('x-tenant-id', 'ACME')
        .send(ORDER)
        .expect(200);
      const registry = await app!.get(TenantRegistryBindings.REGISTRY);
      expect(registry.tenantIds()).to.deepEqual(['acme']);
      const res = await client
        .post(`${BASE}/api/tenants/ACME/evict`)
        .set(AUTH)
        .expect(200);
      expect(res.body).to.deepEqual({evicted: true, deferred: false});
      expect(registry.tenantIds()).to.be.empty();
      const again = await client
        .post(`${BASE}/api/tenants/Acme/evict`)
        .set(AUTH)
        .expect(200);
      expect(again.body).to.deepEqual({evicted: false, deferred: false});
    });

    it('suspends and resumes ACME as acme', async () => {
      const admin = await app!.get(TenantRegistryBindings.ADMIN);
      await client
        .post(`${BASE}/api/tenants/ACME/suspend`)
        .set(AUTH)
        .expect(200);
      expect(admin.isSuspended('acme')).to.be.true();
      await client.get('/probe').set('x-tenant-id', 'Acme').expect(403);
      await client
        .post(`${BASE}/api/tenants/aCmE/resume`)
        .set(AUTH)
        .expect(200);
      expect(admin.isSuspended('acme')).to.be.false();
    });
  });

  async function given(
    config: {tenantIdCase?: 'lowercase'},
    options: TenantAppOptions = {},
  ) {
    ({app, client} = await givenTenantApp(
      {
        cleanupInterval: 0,
        dashboard: {enabled: true, token: TOKEN},
        ...config,
      },
      {...options, beforeStart: a => a.controller(ThingController)},
    ));
  }
});
