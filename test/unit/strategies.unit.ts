// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import * as jwt from 'jsonwebtoken';
import {TenantRegistryError, type TenantRequest} from '../../src';
import {resolveOptions} from '../../src/options/resolve-options';
import {HeaderTenantStrategy} from '../../src/resolution/header.strategy';
import {HostTenantStrategy} from '../../src/resolution/host.strategy';
import {JwtTenantStrategy} from '../../src/resolution/jwt.strategy';
import {QueryTenantStrategy} from '../../src/resolution/query.strategy';
import {TenantResolver} from '../../src/resolution/tenant-resolver';

const request = (
  headers: TenantRequest['headers'] = {},
  url = '/',
): TenantRequest => ({headers, url});

describe('tenant resolution strategies (unit)', () => {
  describe('HeaderTenantStrategy', () => {
    it('reads the configured header', () => {
      const strategy = new HeaderTenantStrategy('x-org');
      expect(strategy.resolve(request({'x-org': 'acme'}))).to.equal('acme');
      expect(strategy.resolve(request())).to.be.undefined();
    });

    it('refuses a header sent more than once (array or joined by Node)', () => {
      const strategy = new HeaderTenantStrategy('x-org');
      expect(() =>
        strategy.resolve(request({'x-org': ['a', 'b'] as unknown as string})),
      ).to.throw(/x-org header was sent more than once/);
      expect(() =>
        strategy.resolve(request({'x-org': 'acme, globex'})),
      ).to.throw(/sent more than once/);
    });
  });

  describe('QueryTenantStrategy', () => {
    it('reads the parameter and ignores a request without a query', () => {
      const strategy = new QueryTenantStrategy();
      expect(strategy.resolve(request({}, '/x?tenant=acme&a=1'))).to.equal(
        'acme',
      );
      expect(strategy.resolve(request({}, '/x'))).to.be.undefined();
      expect(strategy.resolve({headers: {}, url: undefined})).to.be.undefined();
      expect(strategy.resolve(request({}, '/x?other=1'))).to.be.undefined();
    });
  });

  describe('HostTenantStrategy', () => {
    it('names no tenant without a host, for IPv6 literals, or an empty label', () => {
      const strategy = new HostTenantStrategy({domain: 'example.com'});
      expect(strategy.resolve(request())).to.be.undefined();
      expect(strategy.resolve(request({host: '[::1]:3000'}))).to.be.undefined();
      expect(
        strategy.resolve(request({host: 'example.com'})),
      ).to.be.undefined();
      expect(strategy.resolve(request({host: 'ACME.Example.com'}))).to.equal(
        'acme',
      );
    });

    it('names only mapped hosts when it has no domain', () => {
      const strategy = new HostTenantStrategy({
        map: {'shop.acme.test': 'acme'},
      });
      expect(strategy.resolve(request({host: 'Shop.Acme.test:80'}))).to.equal(
        'acme',
      );
      expect(
        strategy.resolve(request({host: 'evil.example.com'})),
      ).to.be.undefined();
    });

    it('is refused as an option without a domain or a map', () => {
      expect(() => resolveOptions({strategies: ['host']})).to.throw(
        /Invalid option `host`/,
      );
    });
  });

  describe('JwtTenantStrategy', () => {
    const jwtOptions = (extra: object = {}) =>
      resolveOptions({strategies: ['jwt'], jwt: {secret: 's', ...extra}}).jwt!;

    it('is refused as an option without a key or with alg none', () => {
      expect(() => resolveOptions({strategies: ['jwt'], jwt: {}})).to.throw(
        /a `secret` or a `publicKey`/,
      );
      expect(() =>
        resolveOptions({
          strategies: ['jwt'],
          jwt: {secret: 's', algorithms: ['none']},
        }),
      ).to.throw(/without "none"/);
    });

    it('verifies the token: a forged signature, alg none or an expired token is refused', () => {
      const strategy = new JwtTenantStrategy(jwtOptions());
      const bearer = (token: string) =>
        request({authorization: `Bearer ${token}`});
      const claims = {tenant: 'acme', exp: Math.floor(Date.now() / 1000) + 60};
      expect(strategy.resolve(bearer(jwt.sign(claims, 's')))).to.equal('acme');
      const forged = jwt.sign(claims, 'another secret');
      const unsigned = jwt.sign(claims, '', {algorithm: 'none'});
      const expired = jwt.sign({...claims, exp: 1}, 's');
      const [header, , signature] = jwt.sign(claims, 's').split('.');
      const swapped = [
        header,
        Buffer.from(JSON.stringify({...claims, tenant: 'globex'})).toString(
          'base64url',
        ),
        signature,
      ].join('.');
      for (const token of [forged, unsigned, expired, swapped]) {
        expect(() => strategy.resolve(bearer(token))).to.throw(
          TenantRegistryError,
          {code: 'INVALID_TENANT_TOKEN'},
        );
      }
    });

    it('refuses an Authorization header that is not a bearer token', () => {
      const strategy = new JwtTenantStrategy(jwtOptions());
      for (const authorization of ['Basic abc', 'Bearer', 'Bearer a b']) {
        expect(() => strategy.resolve(request({authorization}))).to.throw(
          /not "Bearer <token>"/,
        );
      }
    });

    it('ends resolution without a token, unless told to fall through', () => {
      expect(
        new JwtTenantStrategy(jwtOptions()).resolve(request()),
      ).to.be.null();
      expect(
        new JwtTenantStrategy(
          jwtOptions({fallThroughWithoutToken: true}),
        ).resolve(request()),
      ).to.be.undefined();
    });
  });

  describe('TenantResolver', () => {
    it('answers synchronously when every strategy does', () => {
      const resolver = new TenantResolver(
        [
          {name: 'none', resolve: () => undefined},
          {name: 'sync', resolve: () => 'acme'},
        ],
        false,
      );
      expect(resolver.resolve(request())).to.equal('acme');
    });

    it('validates what the first answering strategy returns', async () => {
      const resolver = new TenantResolver(
        [
          {name: 'none', resolve: () => undefined},
          {name: 'async', resolve: async () => undefined},
          {name: 'async2', resolve: async () => 'acme'},
          {name: 'never', resolve: () => 'never'},
        ],
        false,
      );
      expect(await resolver.resolve(request())).to.equal('acme');
      const bad = new TenantResolver(
        [{name: 'bad', resolve: () => ' x'}],
        false,
      );
      expect(() => bad.resolve(request())).to.throw(TenantRegistryError);
    });

    it('stops at a strategy that answers null', async () => {
      const resolver = new TenantResolver(
        [
          {name: 'stop', resolve: async () => null},
          {name: 'never', resolve: () => 'never'},
        ],
        false,
      );
      expect(await resolver.resolve(request())).to.be.undefined();
    });

    it('lower-cases ids with tenantIdCase: lowercase', () => {
      const resolver = new TenantResolver(
        [{name: 'sync', resolve: () => 'ACME'}],
        true,
      );
      expect(resolver.resolve(request())).to.equal('acme');
    });
  });
});
