// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {endLease} from '../../src/context/tenant-lease';
import {TenantScopes} from '../../src/registry/tenant-scopes';

describe('TenantScopes (least-recently-used order)', () => {
  let scopes: TenantScopes;
  const ids = () => [...scopes.tenantScopes()].map(r => r.tenantId);

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
    for (const registry of scopes.tenantScopes()) {
      seen.push(registry.tenantId);
      if (registry.tenantId === 'a') {
        scopes.evict(registry, []);
        scopes.evict(scopes.get('b')!, []);
      }
    }
    expect(seen).to.deepEqual(['a', 'c', 'd']);
    expect(ids()).to.deepEqual(['c', 'd']);
  });

  it('visits a tenant touched during a walk again, at the end', () => {
    const seen: string[] = [];
    for (const registry of scopes.tenantScopes()) {
      seen.push(registry.tenantId);
      if (registry.tenantId === 'b' && seen.length === 2) {
        scopes.touch(registry);
      }
    }
    expect(seen).to.deepEqual(['a', 'b', 'c', 'd', 'b']);
    expect(ids()).to.deepEqual(['a', 'c', 'd', 'b']);
    expect(scopes.tenantCount).to.equal(4);
  });

  it('visits a tenant touched just before a walk reaches it at the end only', () => {
    const seen: string[] = [];
    for (const registry of scopes.tenantScopes()) {
      seen.push(registry.tenantId);
      if (registry.tenantId === 'a') scopes.touch(scopes.get('b')!);
    }
    expect(seen).to.deepEqual(['a', 'c', 'd', 'b']);
  });

  it('keeps two walks in progress apart, and a registry no longer linked once removed', () => {
    const outer = scopes.tenantScopes();
    const inner = scopes.tenantScopes();
    expect(outer.next().value.tenantId).to.equal('a');
    expect(inner.next().value.tenantId).to.equal('a');
    expect(inner.next().value.tenantId).to.equal('b');
    const c = scopes.get('c')!;
    scopes.evict(c, []);
    expect(c.older).to.be.undefined();
    expect(c.newer).to.be.undefined();
    expect(inner.next().value.tenantId).to.equal('d');
    expect(outer.next().value.tenantId).to.equal('b');
    expect(outer.next().value.tenantId).to.equal('d');
    expect(outer.next().done).to.be.true();
    expect(inner.next().done).to.be.true();
    expect(ids()).to.deepEqual(['a', 'b', 'd']);
  });

  it('begins work on the count a registry keeps, and moves it to the newest end', () => {
    const work = scopes.lease('b')!;
    expect(work.count).to.equal(1);
    expect(scopes.get('b')!.lease).to.equal(work);
    expect(ids()).to.deepEqual(['a', 'c', 'd', 'b']);
    expect(scopes.lease('nobody')).to.be.undefined();
    expect(scopes.tenantCount).to.equal(4);
    endLease(work);
  });
});
