// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {ModelRegistry, runInTenant} from '../../src';
import {runInLeasedTenant} from '../../src/context/tenant-context';
import {
  acquireLease,
  endLeaseOf,
  isTenantLeased,
  onLeasesEnded,
  trackedLeaseEntries,
} from '../../src/context/tenant-lease';
import {deferred} from '../fixtures/async';

describe('tenant leases', () => {
  it('counts nested leases and tells listeners once, when the last ends', () => {
    const done: string[] = [];
    const stop = onLeasesEnded(tenantId => done.push(tenantId));
    try {
      acquireLease('lease-a');
      acquireLease('lease-a');
      endLeaseOf('lease-a');
      expect(isTenantLeased('lease-a')).to.be.true();
      expect(done).to.deepEqual([]);
      endLeaseOf('lease-a');
      expect(isTenantLeased('lease-a')).to.be.false();
      endLeaseOf('lease-a');
      expect(done).to.deepEqual(['lease-a']);
    } finally {
      stop();
    }
  });

  it('starts again from zero for a tenant whose leases ended', () => {
    acquireLease('lease-b');
    endLeaseOf('lease-b');
    endLeaseOf('lease-b');
    acquireLease('lease-b');
    expect(isTenantLeased('lease-b')).to.be.true();
    endLeaseOf('lease-b');
    expect(isTenantLeased('lease-b')).to.be.false();
  });

  it('keeps at most about twice the leased tenants (at least 1,024) as entries', () => {
    acquireLease('lease-busy');
    for (let i = 0; i < 5000; i++) {
      acquireLease(`lease-idle-${i}`);
      endLeaseOf(`lease-idle-${i}`);
    }
    expect(trackedLeaseEntries()).to.be.belowOrEqual(1025);
    expect(isTenantLeased('lease-busy')).to.be.true();
    expect(isTenantLeased('lease-idle-4999')).to.be.false();
    endLeaseOf('lease-busy');
  });

  it('ends the lease of runInTenant when its promise settles, either way', async () => {
    const gate = deferred();
    const pending = runInTenant('lease-c', async () => {
      await gate.promise;
      throw new Error('boom');
    });
    expect(isTenantLeased('lease-c')).to.be.true();
    gate.resolve();
    await expect(pending).to.be.rejectedWith('boom');
    expect(isTenantLeased('lease-c')).to.be.false();
  });

  it('ends the lease of a thenable that is not a native promise', async () => {
    let settle: (() => void) | undefined;
    const thenable = {
      then(onFulfilled: () => void) {
        settle = onFulfilled;
      },
    };
    runInTenant('lease-d', () => thenable);
    expect(isTenantLeased('lease-d')).to.be.true();
    settle!();
    expect(isTenantLeased('lease-d')).to.be.false();
  });

  it('ends the lease of a promise subclass in its own context', async () => {
    class Tracked<T> extends Promise<T> {}
    const result = runInTenant('lease-e', () => Tracked.resolve(1));
    expect(isTenantLeased('lease-e')).to.be.true();
    await result;
    await Promise.resolve();
    expect(isTenantLeased('lease-e')).to.be.false();
  });

  it('counts an admitted tenant whose kept lease was swept while idle', async () => {
    const registry = new ModelRegistry();
    const first = registry.admitTenant('lease-kept');
    if (typeof first === 'number') throw new Error('not admitted');
    await runInLeasedTenant(first, () => Promise.resolve());
    expect(isTenantLeased('lease-kept')).to.be.false();
    // Enough other tenants come and go for idle leases to be swept.
    for (let i = 0; i < 5000; i++) {
      acquireLease(`lease-churn-${i}`);
      endLeaseOf(`lease-churn-${i}`);
    }
    expect(first.swept).to.be.true();
    const again = registry.admitTenant('lease-kept');
    if (typeof again === 'number') throw new Error('not admitted');
    expect(again).to.not.equal(first);
    expect(isTenantLeased('lease-kept')).to.be.true();
    expect(registry.isLeased('lease-kept')).to.be.true();
    runInLeasedTenant(again, () => undefined);
    expect(isTenantLeased('lease-kept')).to.be.false();
    // While it is kept and not swept, the same lease is used again.
    const third = registry.admitTenant('lease-kept');
    expect(third).to.equal(again);
    runInLeasedTenant(again, () => undefined);
    expect(isTenantLeased('lease-kept')).to.be.false();
  });
});
