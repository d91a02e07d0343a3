// Copyright loopback4-tenant-registry contributors. MIT License.

import {createBindingFromClass} from '@loopback/core';
import {expect, type Client} from '@loopback/testlab';
import jwt from 'jsonwebtoken';
import {generateKeyPairSync} from 'node:crypto';
import {
  asTenantStrategy,
  type TenantRegistryOptions,
  type TenantRequest,
  type TenantResolutionStrategy,
} from '../../src';
import {givenTenantApp, type TenantTestApp} from '../fixtures/tenant-app';

const SECRET = 'a-test-secret-of-sufficient-length-0123456789';

describe('tenant resolution strategies (acceptance)', () => {
  let app: TenantTestApp | undefined;
  let client: Client;

  afterEach(async () => {
    await app?.stop();
    app = undefined;
  });

  async function given(options: TenantRegistryOptions) {
    ({app, client} = await givenTenantApp(options));
  }

  async function tenantOf(
    path: string,
    headers: Record<string, string> = {},
    status = 200,
  ) {
    const res = await client.get(path).set(headers).expect(status);
    return status === 200 ? res.body.method : res.body.error.code;
  }

  describe('query', () => {
    beforeEach(() => given({strategies: ['query']}));

    const table: [string, string | null, number][] = [
      ['/probe?tenant=acme', 'acme', 200],
      ['/probe', null, 200],
      ['/probe?tenant=', 'INVALID_TENANT_ID', 400],
      ['/probe?tenant=__proto__', 'INVALID_TENANT_ID', 400],
      ['/probe?tenant=a&tenant=b', 'INVALID_TENANT_ID', 400],
      ['/probe?tenant=a%2Fb', 'INVALID_TENANT_ID', 400],
      ['/probe?tenant=%E2%9C%93', 'INVALID_TENANT_ID', 400],
      ['/probe?tenant=%FF', 'INVALID_TENANT_ID', 400],
      [`/probe?tenant=${'x'.repeat(129)}`, 'INVALID_TENANT_ID', 400],
    ];
    for (const [path, expected, status] of table) {
      it(`${path.slice(0, 40)} -> ${status} ${expected}`, async () => {
        expect(await tenantOf(path, {}, status)).to.equal(expected);
      });
    }
  });

  describe('host', () => {
    it('takes the label before the configured domain', async () => {
      await given({strategies: ['host'], host: {domain: 'example.com'}});
      expect(await tenantOf('/probe', {host: 'acme.example.com'})).to.equal(
        'acme',
      );
      expect(await tenantOf('/probe', {host: 'a.b.example.com'})).to.equal(
        null,
      );
      expect(await tenantOf('/probe', {host: 'other.org'})).to.equal(null);
    });

    it('uses an explicit host map first', async () => {
      await given({strategies: ['host'], host: {map: {'shop.test': 'shop-1'}}});
      expect(await tenantOf('/probe', {host: 'shop.test:8080'})).to.equal(
        'shop-1',
      );
    });

    it('ignores IP addresses and refuses an invalid label', async () => {
      await given({strategies: ['host'], host: {domain: 'eu.example.com'}});
      expect(await tenantOf('/probe', {host: '127.0.0.1'})).to.equal(null);
      expect(await tenantOf('/probe', {host: 'acme.eu.example.com'})).to.equal(
        'acme',
      );
      expect(
        await tenantOf('/probe', {host: '_bad.eu.example.com'}, 400),
      ).to.equal('INVALID_TENANT_ID');
    });
  });

  describe('jwt', () => {
    const {publicKey, privateKey} = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: {type: 'spki', format: 'pem'},
      privateKeyEncoding: {type: 'pkcs8', format: 'pem'},
    });
    const bearer = (token: string) => ({authorization: `Bearer ${token}`});
    const hs = (payload: object, options: jwt.SignOptions = {}) =>
      jwt.sign(payload, SECRET, {
        algorithm: 'HS256',
        ...('exp' in payload ? {} : {expiresIn: '10m'}),
        ...options,
      });
    const rs = (payload: object) =>
      jwt.sign(payload, privateKey, {algorithm: 'RS256', expiresIn: '10m'});

    describe('with an HMAC secret', () => {
      beforeEach(() => given({strategies: ['jwt'], jwt: {secret: SECRET}}));

      it('takes the tenant from a verified token', async () => {
        expect(await tenantOf('/probe', bearer(hs({tenant: 'acme'})))).to.equal(
          'acme',
        );
      });

      it('names no tenant without an Authorization header', async () => {
        expect(await tenantOf('/probe')).to.equal(null);
      });

      for (const authorization of [
        'Basic Zm9vOmJhcg==',
        'Bearer',
        'Bearer a b',
        'bearer',
      ]) {
        it(`answers 401 for a malformed Authorization header: ${authorization}`, async () => {
          expect(await tenantOf('/probe', {authorization}, 401)).to.equal(
            'INVALID_TENANT_TOKEN',
          );
        });
      }

      const unsigned = [
        Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url'),
        Buffer.from('{"tenant":"acme"}').toString('base64url'),
        '',
      ].join('.');
      const refused: [string, () => string][] = [
        ['alg none', () => unsigned],
        [
          'a tampered payload',
          () => {
            const [h, , s] = hs({tenant: 'acme'}).split('.');
            return [
              h,
              Buffer.from('{"tenant":"evil"}').toString('base64url'),
              s,
            ].join('.');
          },
        ],
        [
          'a wrong key',
          () =>
            jwt.sign({tenant: 'acme'}, 'another-secret-0123456789abcdef', {
              expiresIn: '10m',
            }),
        ],
        [
          'an expired token',
          () => hs({tenant: 'acme', exp: Math.floor(Date.now() / 1000) - 60}),
        ],
        [
          'a token not valid yet',
          () => hs({tenant: 'acme', nbf: Math.floor(Date.now() / 1000) + 600}),
        ],
        ['a missing claim', () => hs({sub: 'someone'})],
        [
          'a token without exp',
          () => jwt.sign({tenant: 'acme'}, SECRET, {algorithm: 'HS256'}),
        ],
        ['a non-string claim', () => hs({tenant: ['acme']})],
        ['an RS256 token (algorithm not pinned)', () => rs({tenant: 'acme'})],
        ['garbage', () => 'not.a.token'],
        [
          'an over-long token',
          () => hs({tenant: 'acme', pad: 'x'.repeat(9000)}),
        ],
      ];
      for (const [label, token] of refused) {
        it(`answers 401 INVALID_TENANT_TOKEN for ${label}`, async () => {
          const res = await client
            .get('/probe')
            .set(bearer(token()))
            .expect(401);
          expect(res.body.error.code).to.equal('INVALID_TENANT_TOKEN');
          expect(JSON.stringify(res.body)).to.not.containEql(SECRET);
        });
      }

      it('never falls through to the header strategy, unless told to', async () => {
        await app?.stop();
        await given({strategies: ['jwt', 'header'], jwt: {secret: SECRET}});
        expect(await tenantOf('/probe', {'x-tenant-id': 'spoof'})).to.equal(
          null,
        );
        const headers = {'x-tenant-id': 'spoof', authorization: 'Bearer x'};
        expect(await tenantOf('/probe', headers, 401)).to.equal(
          'INVALID_TENANT_TOKEN',
        );
        await app?.stop();
        await given({
          strategies: ['jwt', 'header'],
          jwt: {secret: SECRET, fallThroughWithoutToken: true},
        });
        expect(await tenantOf('/probe', {'x-tenant-id': 'svc'})).to.equal(
          'svc',
        );
        expect(await tenantOf('/probe', headers, 401)).to.equal(
          'INVALID_TENANT_TOKEN',
        );
      });

      it('answers 400 INVALID_TENANT_ID for a verified but invalid tenant id', async () => {
        expect(
          await tenantOf('/probe', bearer(hs({tenant: '__proto__'})), 400),
        ).to.equal('INVALID_TENANT_ID');
      });
    });

    describe('options that change what is accepted', () => {
      it('accepts a token without exp only with allowMissingExpiry', async () => {
        await given({
          strategies: ['jwt'],
          jwt: {secret: SECRET, allowMissingExpiry: true},
        });
        const token = jwt.sign({tenant: 'acme'}, SECRET, {noTimestamp: true});
        expect(await tenantOf('/probe', bearer(token))).to.equal('acme');
      });

      it('never shows the expected issuer or audience', async () => {
        await given({
          strategies: ['jwt'],
          jwt: {
            secret: SECRET,
            issuer: 'https://idp.internal',
            audience: 'svc-secret-aud',
          },
        });
        const res = await client
          .get('/probe')
          .set(bearer(hs({tenant: 'acme', iss: 'x', aud: 'y'})))
          .expect(401);
        expect(res.body.error.code).to.equal('INVALID_TENANT_TOKEN');
        const body = JSON.stringify(res.body);
        expect(body).to.not.match(/idp\.internal|svc-secret-aud|expected/);
      });
    });

    describe('with an RSA public key', () => {
      beforeEach(() =>
        given({strategies: ['jwt'], jwt: {publicKey, claim: 'org'}}),
      );

      it('accepts an RS256 token with the configured claim', async () => {
        const token = rs({org: 'acme'});
        expect(await tenantOf('/probe', bearer(token))).to.equal('acme');
      });

      it('refuses an HS256 token signed with the public key (key confusion)', async () => {
        const header = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString(
          'base64url',
        );
        const payload = Buffer.from('{"org":"acme"}').toString('base64url');
        const {createHmac} = await import('node:crypto');
        const signature = createHmac('sha256', publicKey)
          .update(`${header}.${payload}`)
          .digest('base64url');
        const res = await client
          .get('/probe')
          .set(bearer(`${header}.${payload}.${signature}`))
          .expect(401);
        expect(res.body.error.code).to.equal('INVALID_TENANT_TOKEN');
      });
    });
  });

  describe('order and custom strategies', () => {
    class CookieTenantStrategy implements TenantResolutionStrategy {
      readonly name = 'cookie';
      resolve(request: TenantRequest) {
        return /(?:^|;\s*)tenant=([^;]+)/.exec(
          request.headers.cookie ?? '',
        )?.[1];
      }
    }

    async function givenWithCookie(strategies: string[]) {
      ({app, client} = await givenTenantApp({strategies}));
    }

    it('uses the first strategy that names a tenant, in the configured order', async () => {
      await given({strategies: ['query', 'header']});
      expect(
        await tenantOf('/probe?tenant=from-query', {
          'x-tenant-id': 'from-header',
        }),
      ).to.equal('from-query');
      expect(await tenantOf('/probe', {'x-tenant-id': 'from-header'})).to.equal(
        'from-header',
      );
    });

    it('runs a strategy a user registers with asTenantStrategy', async () => {
      await givenWithCookieRegistered(['cookie', 'header']);
      expect(
        await tenantOf('/probe', {cookie: 'a=1; tenant=from-cookie'}),
      ).to.equal('from-cookie');
      expect(await tenantOf('/probe', {'x-tenant-id': 'h'})).to.equal('h');
    });

    it('refuses to start when a configured strategy is not registered', async () => {
      await expect(givenWithCookie(['cookie'])).to.be.rejectedWith(
        /Invalid option `strategies`/,
      );
    });

    async function givenWithCookieRegistered(strategies: string[]) {
      ({app, client} = await givenTenantApp(
        {strategies},
        {
          beforeStart: a =>
            a.add(
              createBindingFromClass(CookieTenantStrategy).apply(
                asTenantStrategy,
              ),
            ),
        },
      ));
    }
  });
});
