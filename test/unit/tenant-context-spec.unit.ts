// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {
  ModelRegistry,
  getCurrentTenant,
  runInTenant,
  setTenantFallback,
} from '../../src';
import {
  hasTenantContext,
  runInLeasedTenant,
} from '../../src/context/tenant-context';
import {validateTenantId} from '../../src/context/tenant-id';
import {
  isTenantLeased,
  onLeasesEnded,
  type TenantLease,
} from '../../src/context/tenant-lease';
import {deferred} from '../fixtures/async';
import {captureDebugLog} from '../fixtures/debug-log';

describe('tenant context (specification)', () => {
  afterEach(() => setTenantFallback(undefined));

  describe('runInTenant()', () => {
    it('returns null and undefined results as they are, and ends the lease', () => {
      expect(runInTenant('spec-null', () => null)).to.be.null();
      expect(runInTenant('spec-null', () => undefined)).to.be.undefined();
      expect(isTenantLeased('spec-null')).to.be.false();
    });

    it('keeps the tenant busy until a thenable function settles', () => {
      let settle!: () => void;
      const thenable = Object.assign(() => undefined, {
        then(onFulfilled: () => void) {
          settle = onFulfilled;
        },
      });
      runInTenant('spec-callable', () => thenable);
      expect(isTenantLeased('spec-callable')).to.be.true();
      settle();
      expect(isTenantLeased('spec-callable')).to.be.false();
    });

    it('ends the lease of a promise subclass that calls back outside the tenant’s context', () => {
      const queued: (() => unknown)[] = [];
      class QueuedPromise<T> extends Promise<T> {
        override then<R1 = T, R2 = never>(
          onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
          onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
        ): Promise<R1 | R2> {
          queued.push(() => onFulfilled?.(undefined as T));
          return super.then(undefined, onRejected);
        }
      }
      const pending = runInTenant(
        'spec-queued',
        () => new QueuedPromise<void>(() => {}),
      );
      expect(isTenantLeased('spec-queued')).to.be.true();
      // A library's own queue, flushed outside any tenant's context.
      for (const callback of queued) callback();
      expect(isTenantLeased('spec-queued')).to.be.false();
      expect(pending).to.be.instanceOf(QueuedPromise);
    });
  });

  describe('hasTenantContext()', () => {
    it('tells whether runInTenant is active, never asking the fallback', () => {
      setTenantFallback(() => 'from-fallback');
      expect(getCurrentTenant()).to.equal('from-fallback');
      expect(hasTenantContext()).to.be.false();
      expect(runInTenant('acme', hasTenantContext)).to.be.true();
    });
  });

  describe('the tenant fallback', () => {
    it('asks on each call, and takes an answer of undefined or null as no tenant, not a refusal', () => {
      let calls = 0;
      const log = captureDebugLog('loopback:tenant-registry:context', () => {
        for (const answer of [undefined, null]) {
          setTenantFallback(() => {
            calls++;
            return answer as unknown as string;
          });
          expect(getCurrentTenant()).to.be.undefined();
        }
      });
      expect(calls).to.equal(2);
      expect(log).to.be.empty();
    });
  });

  describe('validateTenantId()', () => {
    it('says which rule an id of the longest allowed length breaks', () => {
      const id = 'a'.repeat(127) + '/';
      expect(() => validateTenantId(id)).to.throw(
        /contains a character outside the allowed set/,
      );
      expect(() => validateTenantId('a'.repeat(129))).to.throw(
        /longer than 128 characters/,
      );
      expect(validateTenantId('a'.repeat(128))).to.equal('a'.repeat(128));
    });
  });

  describe('leases', () => {
    it('tells every listener when a tenant’s last lease ends, even when one throws', () => {
      const told: string[] = [];
      const stops = [
        onLeasesEnded(() => {
          throw new Error('listener failed');
        }),
        onLeasesEnded(tenantId => told.push(tenantId)),
      ];
      try {
        runInTenant('spec-told', () => runInTenant('spec-told', () => 'ran'));
      } finally {
        for (const stop of stops) stop();
      }
      expect(told).to.deepEqual(['spec-told']);
    });

    it('keeps a tenant admitted for two requests at once busy until both end', async () => {
      const registry = new ModelRegistry();
      const admit = (): TenantLease => {
        const lease = registry.admitTenant('spec-twice');
        if (typeof lease === 'number') throw new Error('not admitted');
        return lease;
      };
      const firstDone = deferred();
      const secondDone = deferred();
      const first = runInLeasedTenant(admit(), () => firstDone.promise);
      const second = runInLeasedTenant(admit(), () => secondDone.promise);
      firstDone.resolve();
      await first;
      expect(registry.isLeased('spec-twice')).to.be.true();
      expect(registry.evictTenant('spec-twice')).to.be.undefined();
      expect(registry.hasTenant('spec-twice')).to.be.true();
      secondDone.resolve();
      await second;
      expect(registry.isLeased('spec-twice')).to.be.false();
    });
  });
});
