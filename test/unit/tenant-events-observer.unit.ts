// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {SuspendedTenants} from '../../src/fleet/suspended-tenants';
import type {
  TenantEvent,
  TenantEvents,
  TenantEventsResync,
} from '../../src/fleet/tenant-event';
import {TenantEventsObserver} from '../../src/observers/tenant-events.observer';
import type {ModelRegistry} from '../../src/registry/model-registry';

describe('TenantEventsObserver', () => {
  let evicted: string[];
  let registry: ModelRegistry;
  let suspended: SuspendedTenants;

  beforeEach(() => {
    evicted = [];
    registry = {
      evictTenant: (tenantId: string) => evicted.push(tenantId),
      evictAllTenantsInSlices: async () => evicted.push('*'),
    } as unknown as ModelRegistry;
    suspended = new SuspendedTenants();
  });

  describe('with a transport that resyncs', () => {
    it('makes the suspended tenants equal to each resync, evicting the newly suspended', async () => {
      const transport = givenTransport({resyncs: true});
      const observer = new TenantEventsObserver(registry, suspended, transport);
      await observer.start();
      transport.resync({
        suspendedTenantIds: ['a', 'b'],
        hasMissedEvictions: false,
      });
      await observer.settled();
      transport.resync({
        suspendedTenantIds: ['b', 'c'],
        hasMissedEvictions: false,
      });
      await observer.settled();
      expect(suspended.list().sort()).to.deepEqual(['b', 'c']);
      expect(evicted).to.deepEqual(['a', 'b', 'c']);
    });

    it('applies one resync at a time: the latest waiting one, keeping a gap any of them reported', async () => {
      const transport = givenTransport({resyncs: true});
      const observer = new TenantEventsObserver(registry, suspended, transport);
      await observer.start();
      transport.resync({suspendedTenantIds: ['a'], hasMissedEvictions: false});
      transport.resync({suspendedTenantIds: ['b'], hasMissedEvictions: true});
      transport.resync({suspendedTenantIds: ['c'], hasMissedEvictions: false});
      await observer.settled();
      expect(suspended.list()).to.deepEqual(['c']);
      expect(evicted).to.deepEqual(['a', 'c', '*']);
    });

    it('keeps a suspension made here while a resync read before it is applied', async () => {
      const transport = givenTransport({resyncs: true});
      const observer = new TenantEventsObserver(registry, suspended, transport);
      await observer.start();
      const stale = Array.from({length: 50_000}, (_, i) => `s${i}`);
      transport.resync({suspendedTenantIds: stale, hasMissedEvictions: false});
      // What the admin service does once its publish succeeded.
      suspended.add('fresh');
      await observer.settled();
      expect(suspended.has('fresh')).to.be.true();
      expect(suspended.size).to.equal(50_001);
    });

    it('applies a resync that arrives while one fails', async () => {
      const transport = givenTransport({resyncs: true});
      const observer = new TenantEventsObserver(registry, suspended, transport);
      await observer.start();
      registry.evictAllTenantsInSlices = async () => {
        transport.resync({
          suspendedTenantIds: ['b'],
          hasMissedEvictions: false,
        });
        throw new Error('injected eviction failure');
      };
      transport.resync({suspendedTenantIds: ['a'], hasMissedEvictions: true});
      await observer.settled();
      expect(suspended.list()).to.deepEqual(['b']);
      expect(evicted).to.deepEqual(['a', 'b']);
    });

    it('has applied the first resync when start() resolves, however large', async () => {
      const transport = givenTransport({resyncs: true});
      const many = Array.from({length: 50_000}, (_, i) => `s${i}`);
      // As RedisTenantEvents does: the first sync is delivered within start().
      transport.start = async () => {
        transport.starts++;
        transport.resync({suspendedTenantIds: many, hasMissedEvictions: false});
      };
      await new TenantEventsObserver(registry, suspended, transport).start();
      expect(suspended.size).to.equal(50_000);
    });

    it('evicts every tenant when evictions may have been missed', async () => {
      const transport = givenTransport({resyncs: true});
      const observer = new TenantEventsObserver(registry, suspended, transport);
      await observer.start();
      transport.resync({suspendedTenantIds: [], hasMissedEvictions: true});
      await observer.settled();
      expect(evicted).to.deepEqual(['*']);
    });

    it('applies evictions as they come, and leaves suspension to the resyncs', async () => {
      const transport = givenTransport({resyncs: true});
      await new TenantEventsObserver(registry, suspended, transport).start();
      transport.emit({type: 'suspend', tenantId: 'forged', instanceId: 'x'});
      transport.emit({type: 'evict', tenantId: 'acme', instanceId: 'x'});
      expect(suspended.size).to.equal(0);
      expect(evicted).to.deepEqual(['acme']);
    });

    it('lets a failing start() fail the app (a programmer error such as ioredis missing)', async () => {
      const transport = givenTransport({resyncs: true, startError: true});
      const observer = new TenantEventsObserver(registry, suspended, transport);
      await expect(observer.start()).to.be.rejectedWith(/ioredis/);
    });
  });

  describe('with a transport that does not resync', () => {
    it('loads the suspended tenants once at start and applies every event', async () => {
      const transport = givenTransport({resyncs: false, suspended: ['a']});
      const observer = new TenantEventsObserver(registry, suspended, transport);
      await observer.start();
      await observer.start();
      transport.emit({type: 'suspend', tenantId: 'b', instanceId: 'x'});
      transport.emit({type: 'resume', tenantId: 'a', instanceId: 'x'});
      expect(suspended.list()).to.deepEqual(['b']);
      expect(evicted).to.deepEqual(['a', 'b']);
      expect(transport.starts).to.equal(1);
    });

    it('serves anyway when the transport is down at start', async () => {
      const transport = givenTransport({resyncs: false, startError: true});
      await new TenantEventsObserver(registry, suspended, transport).start();
      expect(suspended.size).to.equal(0);
    });
  });

  it('stops receiving on stop()', async () => {
    const transport = givenTransport({resyncs: true});
    const observer = new TenantEventsObserver(registry, suspended, transport);
    await observer.start();
    await observer.stop();
    transport.emit({type: 'evict', tenantId: 'acme', instanceId: 'x'});
    transport.resync({suspendedTenantIds: ['a'], hasMissedEvictions: true});
    expect(evicted).to.deepEqual([]);
    expect(transport.stops).to.equal(1);
  });

  function givenTransport(options: {
    resyncs: boolean;
    suspended?: string[];
    startError?: boolean;
  }) {
    const listeners = new Set<(event: TenantEvent) => void>();
    const resyncListeners = new Set<(resync: TenantEventsResync) => void>();
    const transport = {
      starts: 0,
      stops: 0,
      emit: (event: TenantEvent) => listeners.forEach(l => l(event)),
      resync: (resync: TenantEventsResync) =>
        resyncListeners.forEach(l => l(resync)),
      publish: async () => {},
      subscribe(listener: (event: TenantEvent) => void) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      suspendedTenants: async () => options.suspended ?? [],
      async start() {
        transport.starts++;
        if (options.startError) throw new Error('ioredis is not installed');
      },
      async stop() {
        transport.stops++;
      },
      ...(options.resyncs && {
        subscribeResync(listener: (resync: TenantEventsResync) => void) {
          resyncListeners.add(listener);
          return () => resyncListeners.delete(listener);
        },
      }),
    };
    return transport satisfies TenantEvents;
  }
});
