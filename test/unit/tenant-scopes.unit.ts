// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {TenantScopes} from '../../src/registry/tenant-scopes';

describe('TenantScopes (least-recently-used order)', () => {
  let scopes: TenantScopes;
  const ids = () => [...scopes.tenantRegistries()].map(r => r.tenantId);

  beforeEach(() => {
    scopes = new TenantScopes({now: () => 0});
    for (const id of ['a', 'b', 'c', 'd']) scopes.getOrCreate(id);
  });

  it('moves a touched tenant to the most recent end', () => {
    scopes.touch(scopes.get('b')!);
    scopes.touch(scopes.get('a')!);
    expect(ids()).to.deepEqual(['c', 'd', 'b', 'a']);
  });

  it('stays O(1) for one hot tenant touched many times', () => {
    // With Map delete/set each touch left a dead entry in the key's chain;
    // here the order stays right whatever the count.
    const hot = scopes.get('a')!;
    for (let i = 0; i < 100000; i++) {
      scopes.touch(hot);
      scopes.touch(scopes.get('b')!);
    }
    expect(ids()).to.deepEqual(['c', 'd', 'a', 'b']);
  });

  it('goes on past tenants removed during a walk', () => {
    const seen: string[] = [];
    for (const registry of scopes.tenantRegistries()) {
      seen.push(registry.tenantId);
      if (registry.tenantId === 'a') {
        scopes.remove(registry, []);
        scopes.remove(scopes.get('b')!, []);
      }
    }
    expect(seen).to.deepEqual(['a', 'c', 'd']);
    expect(ids()).to.deepEqual(['c', 'd']);
  });

  it('visits a tenant touched during a walk again, at the end', () => {
    const seen: string[] = [];
    for (const registry of scopes.tenantRegistries()) {
      seen.push(registry.tenantId);
      if (registry.tenantId === 'b' && seen.length === 2) {
        scopes.touch(registry);
      }
    }
    expect(seen).to.deepEqual(['a', 'b', 'c', 'd', 'b']);
    expect(ids()).to.deepEqual(['a', 'c', 'd', 'b']);
    expect(scopes.tenantCount).to.equal(4);
  });
});
