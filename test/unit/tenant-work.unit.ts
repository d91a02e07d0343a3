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

describe('tenant work in flight', () => {
  it('counts nested units and tells listeners once, when the last ends', () => {
    const done: string[] = [];
    const stop = onLeasesEnded(tenantId => done.push(tenantId));
    try {
      acquireLease('work-a');
      acquireLease('work-a');
      endLeaseOf('work-a');
      expect(isTenantLeased('work-a')).to.be.true();
      expect(done).to.deepEqual([]);
      endLeaseOf('work-a');
      expect(isTenantLeased('work-a')).to.be.false();
      endLeaseOf('work-a');
      expect(done).to.deepEqual(['work-a']);
    } finally {
      stop();
    }
  });

  it('starts again from zero for a tenant whose work ended', () => {
    acquireLease('work-b');
    endLeaseOf('work-b');
    endLeaseOf('work-b');
    acquireLease('work-b');
    expect(isTenantLeased('work-b')).to.be.true();
    endLeaseOf('work-b');
    expect(isTenantLeased('work-b')).to.be.false();
  });

  it('keeps at most about twice the busy tenants (at least 1,024) as entries', () => {
    acquireLease('work-busy');
    for (let i = 0; i < 5000; i++) {
      acquireLease(`work-idle-${i}`);
      endLeaseOf(`work-idle-${i}`);
    }
    expect(trackedLeaseEntries()).to.be.belowOrEqual(1025);
    expect(isTenantLeased('work-busy')).to.be.true();
    expect(isTenantLeased('work-idle-4999')).to.be.false();
    endLeaseOf('work-busy');
  });

  it('ends runInTenant work when its promise settles, either way', async () => {
    const gate = deferred();
    const pending = runInTenant('work-c', async () => {
      await gate.promise;
      throw new Error('boom');
    });
    expect(isTenantLeased('work-c')).to.be.true();
    gate.resolve();
    await expect(pending).to.be.rejectedWith('boom');
    expect(isTenantLeased('work-c')).to.be.false();
  });

  it('ends the work of a thenable that is not a native promise', async () => {
    let settle: (() => void) | undefined;
    const thenable = {
      then(onFulfilled: () => void) {
        settle = onFulfilled;
      },
    };
    runInTenant('work-d', () => thenable);
    expect(isTenantLeased('work-d')).to.be.true();
    settle!();
    expect(isTenantLeased('work-d')).to.be.false();
  });

  it('ends the work of a promise subclass in its own context', async () => {
    class Tracked<T> extends Promise<T> {}
    const result = runInTenant('work-e', () => Tracked.resolve(1));
    expect(isTenantLeased('work-e')).to.be.true();
    await result;
    await Promise.resolve();
    expect(isTenantLeased('work-e')).to.be.false();
  });

  it('counts an admitted tenant whose kept count was swept while idle', async () => {
    const registry = new ModelRegistry();
    const first = registry.admitTenant('work-kept');
    if (typeof first === 'number') throw new Error('not admitted');
    await runInLeasedTenant(first, () => Promise.resolve());
    expect(isTenantLeased('work-kept')).to.be.false();
    // Enough other tenants come and go for idle counts to be swept.
    for (let i = 0; i < 5000; i++) {
      acquireLease(`work-churn-${i}`);
      endLeaseOf(`work-churn-${i}`);
    }
    expect(first.swept).to.be.true();
    const again = registry.admitTenant('work-kept');
    if (typeof again === 'number') throw new Error('not admitted');
    expect(again).to.not.equal(first);
    expect(isTenantLeased('work-kept')).to.be.true();
    expect(registry.isLeased('work-kept')).to.be.true();
    runInLeasedTenant(again, () => undefined);
    expect(isTenantLeased('work-kept')).to.be.false();
    // While it is kept and not swept, the same count is used again.
    const third = registry.admitTenant('work-kept');
    expect(third).to.equal(again);
    runInLeasedTenant(again, () => undefined);
    expect(isTenantLeased('work-kept')).to.be.false();
  });
});
