// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {ModelRegistry, runInTenant, type TenantEvents} from '../../src';
import {SuspendedTenants} from '../../src/fleet/suspended-tenants';
import {SLICE_BUDGET_MS} from '../../src/eviction/tenant-evictor';
import type {TenantEventsResync} from '../../src/fleet/tenant-event';
import {RegistryManager} from '../../src/observers/registry-manager.observer';
import {TenantEventsObserver} from '../../src/observers/tenant-events.observer';
import {resolveOptions} from '../../src/options/resolve-options';
import {waitFor} from '../fixtures/async';
import {
  builderOf,
  defineAnonymous,
  givenMemoryDataSource,
} from '../fixtures/juggler';
import {probeAfterFirstEviction} from '../fixtures/slow-evictions';

// Longer than a slice's budget: a slice can evict one tenant so slowed
// before it must yield.
const SLOW_EVICTION_MS = SLICE_BUDGET_MS + 1;
const TENANTS = Array.from({length: 12}, (_, i) => `t${i}`);

// Every bulk path yields to the event loop between slices, evicts every
// tenant it should by the end, and never one with work in flight.
describe('bulk paths work in slices (integration, real juggler)', () => {
  const clock = {time: 1_000_000, now: () => clock.time};
  const builder = builderOf(givenMemoryDataSource());
  let registry: ModelRegistry;

  beforeEach(() => {
    registry = new ModelRegistry({}, {clock});
    for (const tenantId of [...TENANTS, 'busy']) givenTenant(tenantId);
    registry.acquire('busy');
    clock.time += 60_000;
  });
  afterEach(() => registry.release('busy'));

  function givenTenant(tenantId: string) {
    runInTenant(tenantId, () =>
      registry.registerModel(defineAnonymous(builder, {street: String}), {
        street: String,
      }),
    );
  }

  describe('the idle pass (RegistryManager)', () => {
    it('ends a slice at the first eviction past its budget, and evicts every idle tenant but the busy one', async () => {
      const manager = new RegistryManager(registry, {
        ...resolveOptions({cleanupInterval: 0, maxIdleTime: 1000}),
        clock,
      });
      const evictedAtFirstTurn = probeAfterFirstEviction(
        registry,
        SLOW_EVICTION_MS,
        () => registry.getStats().evictions.idle,
      );
      expect(await manager.runCleanupPass()).to.equal(TENANTS.length);
      expect(await evictedAtFirstTurn).to.equal(1);
      expect(registry.tenantIds()).to.deepEqual(['busy']);
    });
  });

  describe('the fleet resync (TenantEventsObserver)', () => {
    let transport: ReturnType<typeof givenResyncingTransport>;
    let suspended: SuspendedTenants;
    let observer: TenantEventsObserver;

    beforeEach(async () => {
      transport = givenResyncingTransport();
      suspended = new SuspendedTenants();
      observer = new TenantEventsObserver(registry, suspended, transport);
      await observer.start();
    });
    afterEach(() => observer.stop());

    it('evicts every tenant in slices after a gap; the busy one once its work ends', async () => {
      const liveAtFirstTurn = probeAfterFirstEviction(
        registry,
        SLOW_EVICTION_MS,
        () => registry.tenantCount,
      );
      transport.resync({suspendedTenantIds: [], hasMissedEvictions: true});
      expect(await liveAtFirstTurn).to.equal(TENANTS.length);
      // The walk may reach the busy tenant one slice after the last eviction.
      await waitFor(
        () =>
          registry.tenantCount === 1 &&
          registry.getStats().pendingEvictions === 1,
      );
      expect(registry.tenantIds()).to.deepEqual(['busy']);
      registry.release('busy');
      expect(registry.tenantIds()).to.be.empty();
    });

    it('leaves a tenant admitted while it runs, and still evicts one used meanwhile', async () => {
      const probed = probeAfterFirstEviction(registry, SLOW_EVICTION_MS, () => {
        givenTenant('late');
        givenTenant('t11');
      });
      transport.resync({suspendedTenantIds: [], hasMissedEvictions: true});
      await probed;
      await waitFor(() => !registry.hasTenant('t11'));
      expect(registry.tenantIds()).to.deepEqual(['busy', 'late']);
    });

    it('applies a large suspended set in slices, evicting the newly suspended', async () => {
      const many = Array.from({length: 99_000}, (_, i) => `s${i}`);
      const liveAtFirstTurn = probeAfterFirstEviction(
        registry,
        SLOW_EVICTION_MS,
        () => registry.tenantCount,
      );
      transport.resync({
        suspendedTenantIds: [...many, ...TENANTS],
        hasMissedEvictions: false,
      });
      expect(await liveAtFirstTurn).to.equal(TENANTS.length);
      await waitFor(() => registry.tenantCount === 1);
      expect(suspended.size).to.equal(99_000 + TENANTS.length);
      expect(suspended.has('t0') && suspended.has('s98999')).to.be.true();
      transport.resync({suspendedTenantIds: ['t0'], hasMissedEvictions: false});
      await waitFor(() => suspended.size === 1);
      expect(suspended.list()).to.deepEqual(['t0']);
    });
  });
});

function givenResyncingTransport() {
  const listeners = new Set<(resync: TenantEventsResync) => void>();
  const transport = {
    resync: (resync: TenantEventsResync) => listeners.forEach(l => l(resync)),
    publish: async () => {},
    subscribe: () => () => {},
    suspendedTenants: async () => [],
    subscribeResync(listener: (resync: TenantEventsResync) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return transport satisfies TenantEvents;
}
