// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {setFlagsFromString} from 'node:v8';
import {runInNewContext} from 'node:vm';
import {ModelRegistry, type TenantEviction} from '../../src';
import {MemoryPressurePolicy} from '../../src/eviction/memory-pressure';
import {EVICTION_REASONS} from '../../src/registry/registry-stats';
import {givenManualClock, type ManualClock} from '../fixtures/manual-clock';

describe('eviction (specification)', () => {
  let clock: ManualClock;
  let registry: ModelRegistry;
  let evictions: TenantEviction[];

  beforeEach(() => {
    clock = givenManualClock();
    registry = new ModelRegistry({}, {clock});
    evictions = [];
    registry.on('tenantEvicted', eviction => evictions.push(eviction));
  });

  it('names every reason for an eviction', () => {
    expect(EVICTION_REASONS).to.deepEqual([
      'idle',
      'capacity',
      'memory',
      'manual',
      'external',
    ]);
  });

  describe('a walk over the tenants', () => {
    it('leaves the tenants its decision skips', () => {
      givenTenants('a', 'b', 'c');
      const walk = registry.evictor.walk('manual', tenant =>
        tenant.tenantId === 'b' ? 'evict' : 'skip',
      );
      expect(walk).to.deepEqual({evicted: 1, isComplete: true});
      expect(registry.tenantIds()).to.deepEqual(['a', 'c']);
    });

    it('past its deadline, stops after each eviction and says so', () => {
      givenTenants('t0', 't1', 't2');
      const passed = 0; // performance.now() is always later
      const slices = [1, 2, 3].map(() =>
        registry.evictor.walk('memory', () => 'evict', passed),
      );
      expect(slices).to.deepEqual([
        {evicted: 1, isComplete: false},
        {evicted: 1, isComplete: false},
        {evicted: 1, isComplete: false},
      ]);
      expect(registry.tenantCount).to.equal(0);
      expect(
        registry.evictor.walk('memory', () => 'evict', passed),
      ).to.deepEqual({evicted: 0, isComplete: true});
    });
  });

  describe('an eviction that waits for work in flight', () => {
    it('keeps the reason it was first asked for', () => {
      givenTenants('a');
      registry.acquire('a');
      registry.evictTenant('a', 'manual');
      registry.evictTenant('a', 'external');
      registry.release('a');
      expect(evictions.map(e => [e.tenantId, e.reason])).to.deepEqual([
        ['a', 'manual'],
      ]);
    });

    it('evicts each waiting tenant when its own work ends', () => {
      givenTenants('a', 'b');
      registry.acquire('a');
      registry.acquire('b');
      registry.evictTenant('a');
      registry.evictTenant('b');
      registry.release('a');
      expect(registry.tenantIds()).to.deepEqual(['b']);
      registry.release('b');
      expect(registry.tenantIds()).to.deepEqual([]);
      expect(registry.getStats().pendingEvictions).to.equal(0);
    });

    it('is left waiting by evictAllTenants(), which counts only what it evicted', () => {
      givenTenants('a', 'b');
      registry.acquire('a');
      registry.evictTenant('a');
      expect(registry.evictAllTenants()).to.equal(1);
      expect(registry.tenantIds()).to.deepEqual(['a']);
      expect(registry.evictor.runPending()).to.equal(0);
      registry.release('a');
      expect(registry.tenantIds()).to.deepEqual([]);
    });

    it('does not keep its registry alive once nothing waits', async () => {
      const gc = exposeGc();
      let ref: WeakRef<ModelRegistry> | undefined;
      (() => {
        const dropped = new ModelRegistry();
        ref = new WeakRef(dropped);
        dropped.trackModel('spec-gc', {});
        dropped.acquire('spec-gc');
        dropped.evictTenant('spec-gc');
        dropped.release('spec-gc');
      })();
      for (let i = 0; i < 5 && ref.deref() !== undefined; i++) {
        await new Promise(resolve => setImmediate(resolve));
        gc();
      }
      expect(ref.deref()).to.be.undefined();
    });
  });

  describe('maxTenants', () => {
    it('protects a tenant used exactly protectionWindow ago, not one used before', () => {
      registry = new ModelRegistry(
        {maxTenants: 1, protectionWindow: 60_000},
        {clock},
      );
      expect(registry.admitTenant('a')).to.not.be.a.Number();
      registry.release('a');
      clock.time += 60_000;
      expect(registry.admitTenant('b')).to.equal(1);
      clock.time += 1;
      expect(registry.admitTenant('b')).to.not.be.a.Number();
      registry.release('b');
      expect(registry.tenantIds()).to.deepEqual(['b']);
    });
  });

  describe('cleanup passes', () => {
    it('counts only the passes that failed, and keeps a copy of the last', () => {
      registry.recordCleanupPass({at: 1, durationMs: 2, evicted: 3});
      expect(registry.getStats().cleanupFailures).to.equal(0);
      registry.recordCleanupPass({
        at: 4,
        durationMs: 5,
        evicted: 0,
        error: 'x',
      });
      const stats = registry.getStats();
      expect(stats.cleanupFailures).to.equal(1);
      expect(stats.lastCleanup).to.deepEqual({
        at: 4,
        durationMs: 5,
        evicted: 0,
        error: 'x',
      });
    });
  });

  describe('memory pressure', () => {
    it('after a pass that lowered the heap, backs off one pass again, not longer', () => {
      const heap = {usedBytes: 0, limitBytes: 100};
      const policy = new MemoryPressurePolicy(
        {high: 0.8, low: 0.7, maxEvictionsPerPass: 10},
        () => ({...heap}),
      );
      const pass = (usedBytes: number) => {
        heap.usedBytes = usedBytes;
        return policy.plan() === undefined ? 'wait' : 'evict';
      };
      // Evicting twice without the heap going down backs off 1, then 2.
      expect([90, 95, 95, 96, 96, 96].map(pass)).to.deepEqual([
        'evict',
        'wait',
        'evict',
        'wait',
        'wait',
        'evict',
      ]);
      // The heap went down: evict, and a failure after that waits one pass.
      expect([85, 88, 88].map(pass)).to.deepEqual(['evict', 'wait', 'evict']);
    });
  });

  function givenTenants(...tenantIds: string[]) {
    for (const tenantId of tenantIds) {
      registry.trackDataSource(tenantId, {});
      clock.time += 1;
    }
  }
});

function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
