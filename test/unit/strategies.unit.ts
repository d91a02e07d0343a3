// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {
  HeaderTenantStrategy,
  HostTenantStrategy,
  JwtTenantStrategy,
  QueryTenantStrategy,
  resolveTenantId,
  TenantRegistryError,
  type TenantRequest,
} from '../../src';

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

    it('refuses an array value', () => {
      const strategy = new HeaderTenantStrategy('x-org');
      expect(() =>
        strategy.resolve(request({'x-org': ['a', 'b'] as unknown as string})),
      ).to.throw(/repeated/);
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

    it('needs three labels without a domain', () => {
      const strategy = new HostTenantStrategy();
      expect(
        strategy.resolve(request({host: 'localhost:3000'})),
      ).to.be.undefined();
      expect(strategy.resolve(request({host: 'a.example.com'}))).to.equal('a');
    });
  });

  describe('JwtTenantStrategy', () => {
    it('refuses to be built without a key or with alg none', () => {
      expect(() => new JwtTenantStrategy({})).to.throw(/secret or key/);
      expect(
        () => new JwtTenantStrategy({secret: 's', algorithms: ['none']}),
      ).to.throw(/none/);
    });

    it('ignores a non-bearer authorization header', () => {
      const strategy = new JwtTenantStrategy({secret: 's'});
      expect(
        strategy.resolve(request({authorization: 'Basic abc'})),
      ).to.be.undefined();
    });
  });

  describe('resolveTenantId()', () => {
    it('validates what the first answering strategy returns', async () => {
      const strategies = [
        {name: 'none', resolve: () => undefined},
        {name: 'async', resolve: async () => 'acme'},
        {name: 'never', resolve: () => 'never'},
      ];
      expect(await resolveTenantId(request(), strategies)).to.equal('acme');
      await expect(
        resolveTenantId(request(), [{name: 'bad', resolve: () => ' x'}]),
      ).to.be.rejectedWith(TenantRegistryError);
    });
  });
});
