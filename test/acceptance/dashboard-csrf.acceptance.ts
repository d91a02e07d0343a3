// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect, type Client} from '@loopback/testlab';
import {TenantRegistryBindings, type TenantRegistryOptions} from '../../src';
import {
  givenTenantApp,
  type TenantAppOptions,
  type TenantTestApp,
} from '../fixtures/tenant-app';

const BASE = '/tenant-registry/dashboard';
const SESSION = 'session=operator';

/**
 * The dashboard's state changes over plain HTTP, as a browser would send
 * them (the headers a page cannot forge: `Content-Type`'s essence,
 * `Sec-Fetch-Site`, `Origin`), with a cookie-based `authorize`.
 * dashboard-csrf-browser.acceptance.ts sends the same from a real browser.
 */
describe('dashboard state changes and their origin (acceptance)', () => {
  let app: TenantTestApp | undefined;
  let client: Client;
  let ownOrigin: string;

  afterEach(async () => {
    await app?.stop();
    app = undefined;
  });

  describe('by media type', () => {
    beforeEach(() => given());

    const refused = [
      'application/x-www-form-urlencoded;+json',
      'application/x-www-form-urlencoded; charset=+json',
      'application/x-www-form-urlencoded;a=application/json',
      'multipart/form-data; boundary=x;+json',
      'text/plain;+json',
      'text/plain; charset=+json',
      'text/json',
      'application/jsonp',
      'application/json-seq',
      'application/+json',
      'application/x+jsonx',
      'application/json/x',
      'application json',
      '/json',
      'application/',
    ];
    for (const type of refused) {
      it(`refuses ${JSON.stringify(type)} with 403 DASHBOARD_FORBIDDEN`, async () => {
        const res = await suspend('victim', {'content-type': type}).expect(403);
        expect(res.body.error.code).to.equal('DASHBOARD_FORBIDDEN');
        await expectSuspended('victim', false);
      });
    }

    it('refuses a request without a content type or the action header', async () => {
      const res = await suspend('victim', {}).expect(403);
      expect(res.body.error.code).to.equal('DASHBOARD_FORBIDDEN');
    });

    const accepted = [
      'application/json',
      'Application/JSON; charset=UTF-8',
      'application/json ;charset=utf-8',
      'application/merge-patch+json',
      'application/vnd.api+json; ext="a;b"',
    ];
    for (const type of accepted) {
      it(`accepts ${JSON.stringify(type)}`, async () => {
        await suspend('victim', {'content-type': type}).expect(200);
        await expectSuspended('victim', true);
      });
    }
  });

  describe('by Sec-Fetch-Site', () => {
    beforeEach(() => given());

    for (const site of [
      'same-site',
      'cross-site',
      'none',
      'same-origin, cross-site',
      'SAME-ORIGIN',
    ]) {
      it(`refuses Sec-Fetch-Site: ${site}, even as JSON`, async () => {
        const res = await suspend('victim', {
          ...JSON_TYPE,
          'sec-fetch-site': site,
        }).expect(403);
        expect(res.body.error.code).to.equal('DASHBOARD_FORBIDDEN');
        expect(res.body.error.message).to.match(/own origin/);
        await expectSuspended('victim', false);
      });
    }

    it('accepts Sec-Fetch-Site: same-origin', async () => {
      await suspend('victim', {
        ...JSON_TYPE,
        'sec-fetch-site': 'same-origin',
        origin: ownOrigin,
      }).expect(200);
      await expectSuspended('victim', true);
    });
  });

  describe('by Origin', () => {
    beforeEach(() => given());

    it('refuses another origin, "null", and what does not parse', async () => {
      const port = Number(new URL(ownOrigin).port);
      for (const origin of [
        'http://evil.example',
        'null',
        `http://127.0.0.1:${port + 1}`,
        `https://127.0.0.1:${port}`,
        `http://localhost:${port}`,
        'not an origin',
        `${ownOrigin}, http://evil.example`,
      ]) {
        const res = await suspend('victim', {...JSON_TYPE, origin});
        expect({origin, status: res.status}).to.deepEqual({
          origin,
          status: 403,
        });
        expect(res.body.error.code).to.equal('DASHBOARD_FORBIDDEN');
      }
      await expectSuspended('victim', false);
    });

    it('accepts its own origin (Host and protocol), in any case', async () => {
      await suspend('victim', {...JSON_TYPE, origin: ownOrigin}).expect(200);
      await suspend('victim-2', {
        ...JSON_TYPE,
        origin: ownOrigin.toUpperCase(),
      }).expect(200);
      await expectSuspended('victim-2', true);
    });

    it('refuses an Origin when the Host header does not parse as a host', async () => {
      for (const host of ['evil.example/x', 'a@127.0.0.1']) {
        await suspend('victim', {
          ...JSON_TYPE,
          host,
          origin: `http://${host}`,
        }).expect(403);
      }
      await expectSuspended('victim', false);
    });
  });

  describe('with dashboard.origins (behind a proxy)', () => {
    beforeEach(() => given({origins: ['https://Admin.Example.com:443']}));

    it('accepts only the listed origins', async () => {
      await suspend('victim', {
        ...JSON_TYPE,
        origin: 'https://admin.example.com',
      }).expect(200);
      await suspend('victim-2', {...JSON_TYPE, origin: ownOrigin}).expect(403);
      await suspend('victim-2', {
        ...JSON_TYPE,
        origin: 'http://admin.example.com',
      }).expect(403);
      await expectSuspended('victim', true);
      await expectSuspended('victim-2', false);
    });

    it('still needs Sec-Fetch-Site: same-origin when it is sent', async () => {
      await suspend('victim', {
        ...JSON_TYPE,
        origin: 'https://admin.example.com',
        'sec-fetch-site': 'same-site',
      }).expect(403);
    });
  });

  describe('behind a proxy that terminates TLS', () => {
    const forwarded = () => ({
      ...JSON_TYPE,
      'x-forwarded-proto': 'https',
      origin: ownOrigin.replace(/^http:/, 'https:'),
    });

    it("takes X-Forwarded-Proto when Express's trust proxy is set", async () => {
      await given({}, {expressSettings: {'trust proxy': 'loopback'}});
      await suspend('victim', forwarded()).expect(200);
    });

    it('ignores X-Forwarded-Proto otherwise', async () => {
      await given();
      await suspend('victim', forwarded()).expect(403);
    });
  });

  // Bad dashboard.origins: resolve-options-errors.unit.ts.

  it('lets non-browser clients (no Origin, no Sec-Fetch-Site) act with JSON or the action header', async () => {
    await given();
    await suspend('victim', JSON_TYPE).expect(200);
    await suspend('victim-2', {'x-tenant-registry-action': '1'}).expect(200);
    await expectSuspended('victim-2', true);
  });

  const JSON_TYPE = {'content-type': 'application/json'};

  async function given(
    dashboard: Partial<NonNullable<TenantRegistryOptions['dashboard']>> = {},
    rest?: TenantAppOptions['rest'],
  ) {
    ({app, client} = await givenTenantApp(
      {
        cleanupInterval: 0,
        dashboard: {
          enabled: true,
          authorize: request =>
            (request.headers.cookie ?? '').split(/;\s*/).includes(SESSION),
          ...dashboard,
        },
      },
      {rest},
    ));
    ownOrigin = new URL(app.restServer.url!).origin;
  }

  function suspend(tenantId: string, headers: Record<string, string>) {
    return client
      .post(`${BASE}/api/tenants/${tenantId}/suspend`)
      .set('cookie', SESSION)
      .set(headers)
      .send('{}');
  }

  async function expectSuspended(tenantId: string, isSuspended: boolean) {
    const admin = await app!.get(TenantRegistryBindings.ADMIN);
    expect(admin.isSuspended(tenantId)).to.equal(isSuspended);
  }
});
