// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import type {TenantRequest, TenantResolutionStrategy} from '../../src';
import {HeaderTenantStrategy} from '../../src/resolution/header.strategy';
import {HostTenantStrategy} from '../../src/resolution/host.strategy';
import {QueryTenantStrategy} from '../../src/resolution/query.strategy';
import {TenantResolver} from '../../src/resolution/tenant-resolver';

describe('header, query and host strategies (specification)', () => {
  it('are the strategies the `strategies` option calls header, query and host', () => {
    const names = [
      new HeaderTenantStrategy(),
      new QueryTenantStrategy(),
      new HostTenantStrategy({domain: 'example.com'}),
    ].map(strategy => strategy.name);
    expect(names).to.deepEqual(['header', 'query', 'host']);
  });

  describe('header', () => {
    it('reads x-tenant-id by default', () => {
      expect(
        new HeaderTenantStrategy().resolve(request({'x-tenant-id': 'acme'})),
      ).to.equal('acme');
    });
  });

  describe('query', () => {
    it('reads the parameter from the query string only, never from the path', () => {
      const strategy = new QueryTenantStrategy();
      expect(strategy.resolve(request({}, '/?tenant=acme'))).to.equal('acme');
      expect(
        strategy.resolve(request({}, '/files/a&tenant=acme')),
      ).to.be.undefined();
    });

    it('refuses a parameter given more than once with INVALID_TENANT_ID', () => {
      const strategy = new QueryTenantStrategy('org');
      expect(() =>
        strategy.resolve(request({}, '/x?org=acme&org=globex')),
      ).to.throw({
        code: 'INVALID_TENANT_ID',
        message: /the org parameter was sent more than once/,
      });
    });
  });

  describe('host', () => {
    const strategy = new HostTenantStrategy({
      domain: 'Example.com',
      map: {'WWW.example.com': 'acme', 'shop.acme.test': 'acme'},
    });

    it('names the one label before the domain, whatever the port', () => {
      expect(strategy.resolve(host('globex.example.com:8443'))).to.equal(
        'globex',
      );
    });

    it('prefers an explicit mapping to the label', () => {
      expect(strategy.resolve(host('www.example.com'))).to.equal('acme');
      expect(strategy.resolve(host('shop.acme.test'))).to.equal('acme');
    });

    it('names no tenant outside the domain, for nested labels or an empty one', () => {
      for (const name of [
        'globex.example.org',
        'notexample.com',
        'a.b.example.com',
        '.example.com',
      ]) {
        expect(strategy.resolve(host(name))).to.be.undefined();
      }
    });

    it('names the tenant of a mapped IP address, with or without a port', () => {
      const mapped = new HostTenantStrategy({
        domain: 'example.com',
        map: {'10.0.0.1': 'acme', '::1': 'globex', '[fe80::2]': 'initech'},
      });
      expect(mapped.resolve(host('10.0.0.1:3000'))).to.equal('acme');
      expect(mapped.resolve(host('10.0.0.1'))).to.equal('acme');
      expect(mapped.resolve(host('[::1]:3000'))).to.equal('globex');
      expect(mapped.resolve(host('[::1]'))).to.equal('globex');
      expect(mapped.resolve(host('[FE80::2]:80'))).to.equal('initech');
    });

    it('never derives a tenant from an IP address that is not mapped', () => {
      const byDomain = new HostTenantStrategy({domain: '0.0.1'});
      expect(byDomain.resolve(host('10.0.0.1'))).to.be.undefined();
      expect(byDomain.resolve(host('[::1]:3000'))).to.be.undefined();
      expect(strategy.resolve(host('10.0.0.1'))).to.be.undefined();
    });
  });
});

describe('TenantResolver (specification)', () => {
  it('names no tenant when no strategy names one', () => {
    const resolver = givenResolver(
      () => undefined,
      () => undefined,
    );
    expect(resolver.resolve(request())).to.be.undefined();
  });

  it('ends with no tenant at a strategy that answers null, synchronously', () => {
    const resolver = givenResolver(
      () => null,
      () => 'never',
    );
    expect(resolver.resolve(request())).to.be.undefined();
  });

  it('refuses an answer that is not a string at once, with INVALID_TENANT_ID', () => {
    const resolver = givenResolver(() => 42 as unknown as string);
    expect(() => resolver.resolve(request())).to.throw({
      code: 'INVALID_TENANT_ID',
    });
  });

  it('after an asynchronous answer of none, asks the rest in order and names no tenant when none answers', async () => {
    const asked: string[] = [];
    const resolver = givenResolver(
      async () => {
        asked.push('first');
        return undefined;
      },
      () => {
        asked.push('second');
        return undefined;
      },
    );
    expect(await resolver.resolve(request())).to.be.undefined();
    expect(asked).to.deepEqual(['first', 'second']);
  });

  function givenResolver(
    ...answers: TenantResolutionStrategy['resolve'][]
  ): TenantResolver {
    return new TenantResolver(
      answers.map((resolve, i) => ({name: `strategy${i}`, resolve})),
      false,
    );
  }
});

function request(
  headers: TenantRequest['headers'] = {},
  url = '/',
): TenantRequest {
  return {headers, url};
}

function host(name: string): TenantRequest {
  return request({host: name});
}
