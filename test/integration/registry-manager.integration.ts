// Copyright loopback4-tenant-registry contributors. MIT License.

import {Application} from '@loopback/core';
import {expect, sinon} from '@loopback/testlab';
import {
  ModelRegistry,
  RegistryManager,
  runInTenant,
  TenantRegistryBindings,
  TenantRegistryComponent,
  type TenantRegistryOptions,
} from '../../src';
import {isJugglerBridgeInstalled} from '../../src/bridge/juggler-bridge';
import type {HeapUsage} from '../../src/eviction/memory-pressure';
import {ESTIMATED_BYTES_PER_MODEL} from '../../src/eviction/memory-pressure';
import {
  defineAnonymous,
  givenMemoryDataSource,
  builderOf,
} from '../fixtures/juggler';
import {givenOptionSeams} from '../fixtures/tenant-app';

const MINUTE = 60 * 1000;

describe('RegistryManager (cleanup lifecycle observer)', () => {
  let clock: sinon.SinonFakeTimers;
  let app: Application;
  let registry: ModelRegistry;
  let manager: RegistryManager;
  const builder = builderOf(givenMemoryDataSource());

  beforeEach(() => {
    clock = sinon.useFakeTimers({
      now: 1_000_000,
      toFake: ['setInterval', 'clearInterval', 'Date'],
    });
  });
  afterEach(async () => {
    await app?.stop();
    clock.restore();
  });

  async function givenManager(
    options: TenantRegistryOptions = {},
    seams: {heapUsage?: () => HeapUsage; maxEvictionsPerPass?: number} = {},
  ) {
    app = new Application();
    app.configure(TenantRegistryBindings.COMPONENT).to({
      cleanupInterval: MINUTE,
      maxIdleTime: 10 * MINUTE,
      ...options,
    });
    app.component(TenantRegistryComponent);
    const {heapUsage, maxEvictionsPerPass} = seams;
    const {memoryPressure} = app.getSync(TenantRegistryBindings.OPTIONS);
    givenOptionSeams(app, {
      ...(heapUsage && {heapUsage}),
      ...(memoryPressure &&
        maxEvictionsPerPass && {
          memoryPressure: {...memoryPressure, maxEvictionsPerPass},
        }),
    });
    await app.start();
    registry = await app.get(TenantRegistryBindings.REGISTRY);
    manager = await app.get(TenantRegistryBindings.REGISTRY_MANAGER);
  }

  function givenTenants(tenantIds: string[]) {
    for (const tenantId of tenantIds) {
      givenTenant(tenantId);
      clock.tick(1000);
    }
  }

  function givenTenant(tenantId: string) {
    runInTenant(tenantId, () => {
      registry.registerModel(defineAnonymous(builder, {street: String}), {
        street: String,
      });
    });
  }

  describe('start() and stop()', () => {
    it('installs the bridge on start and removes it on stop', async () => {
      await givenManager();
      expect(isJugglerBridgeInstalled()).to.be.true();
      expect(manager.isRunning).to.be.true();
      await app.stop();
      expect(isJugglerBridgeInstalled()).to.be.false();
      expect(manager.isRunning).to.be.false();
    });

    it('does not install the bridge with bridge: false', async () => {
      await givenManager({bridge: false});
      expect(isJugglerBridgeInstalled()).to.be.false();
    });

    it('is idempotent and leaves no timer after any number of cycles', async () => {
      await givenManager({cleanupInterval: 5});
      manager.start();
      expect(clock.countTimers()).to.equal(1);
      for (let i = 0; i < 3; i++) {
        await app.stop();
        await app.stop();
        expect(clock.countTimers()).to.equal(0);
        await app.start();
        await app.start();
        expect(clock.countTimers()).to.equal(1);
      }
      await app.stop();
      expect(clock.countTimers()).to.equal(0);
      expect(isJugglerBridgeInstalled()).to.be.false();
    });

    it('runs no timer with cleanupInterval: 0', async () => {
      await givenManager({cleanupInterval: 0});
      givenTenant('a');
      clock.tick(60 * MINUTE);
      expect(registry.tenantIds()).to.deepEqual(['a']);
    });
  });

  describe('idle eviction', () => {
    it('evicts a tenant after maxIdleTime, and not before', async () => {
      await givenManager();
      givenTenant('a');
      await clock.tickAsync(10 * MINUTE);
      expect(registry.tenantIds()).to.deepEqual(['a']);
      await clock.tickAsync(MINUTE);
      expect(registry.tenantIds()).to.be.empty();
      expect(registry.getStats().evictions.idle).to.equal(1);
    });

    it('counts activity: a lookup resets idleness', async () => {
      await givenManager();
      givenTenant('a');
      await clock.tickAsync(8 * MINUTE);
      registry.findModelByStructure({street: String}, builder, 'a');
      await clock.tickAsync(8 * MINUTE);
      expect(registry.tenantIds()).to.deepEqual(['a']);
    });
  });

  describe('capacity', () => {
    it('makes room as a tenant is created, evicting the least recently used', async () => {
      await givenManager({maxTenants: 2});
      givenTenants(['a', 'b']);
      registry.findModelByStructure({street: String}, builder, 'a');
      givenTenant('c');
      expect(registry.tenantIds()).to.deepEqual(['a', 'c']);
      expect(registry.getStats().evictions.capacity).to.equal(1);
      expect(await manager.runCleanupPass()).to.equal(0);
    });

    it('lets the pass evict what could not make room while busy', async () => {
      await givenManager({maxTenants: 1, cleanupInterval: 0});
      givenTenant('a');
      registry.acquire('a');
      givenTenant('b');
      expect(registry.tenantIds()).to.deepEqual(['a', 'b']);
      registry.release('a');
      expect(await manager.runCleanupPass()).to.equal(1);
      expect(registry.tenantIds()).to.deepEqual(['b']);
    });
  });

  describe('memory pressure', () => {
    const MiB = 1024 * 1024;

    it('evicts least recently used tenants until the estimate is under the low watermark', async () => {
      const heap: HeapUsage = {usedBytes: 0, limitBytes: 1000 * MiB};
      await givenManager(
        {
          memoryPressure: {high: 0.5, low: 0.5 - 1e-5},
        },
        {heapUsage: () => heap},
      );
      givenTenants(['a', 'b', 'c', 'd']);
      heap.usedBytes = 500 * MiB;
      expect(await manager.runCleanupPass()).to.equal(0);
      // 11 KiB per model is the estimate; about 15 KiB over the low
      // watermark takes two models.
      heap.usedBytes = 500 * MiB + 5 * 1024;
      expect(await manager.runCleanupPass()).to.equal(2);
      expect(registry.tenantIds()).to.deepEqual(['c', 'd']);
      expect(registry.getStats().evictions.memory).to.equal(2);
    });

    // The default low watermark is max(high - 0.1, high / 2). The heap
    // limits are chosen so that a tenant (one model) is a known fraction of
    // the heap, and the two expressions evict different numbers.
    it('stops at high - 0.1 by default when high is at least 0.2', async () => {
      const model = ESTIMATED_BYTES_PER_MODEL;
      const heap: HeapUsage = {usedBytes: 0, limitBytes: 30 * model};
      await givenManager(
        {memoryPressure: {high: 0.9}},
        {heapUsage: () => heap},
      );
      givenTenants(Array.from({length: 20}, (_, i) => `t${i}`));
      // 3 models' worth and a byte over 0.8 (4 tenants); 0.45 would be 14.
      heap.usedBytes = 27 * model + 1;
      expect(await manager.runCleanupPass()).to.equal(4);
    });

    it('stops at high / 2 by default when high is below 0.2', async () => {
      const model = ESTIMATED_BYTES_PER_MODEL;
      const heap: HeapUsage = {usedBytes: 0, limitBytes: 100 * model};
      await givenManager({memoryPressure: 0.1}, {heapUsage: () => heap});
      givenTenants(Array.from({length: 10}, (_, i) => `t${i}`));
      // 5 models' worth and a byte over 0.05 (6 tenants); 0 would be all 10.
      heap.usedBytes = 10 * model + 1;
      expect(await manager.runCleanupPass()).to.equal(6);
      expect(registry.tenantIds()).to.deepEqual(['t6', 't7', 't8', 't9']);
    });

    it('evicts at most maxEvictionsPerPass tenants in one pass', async () => {
      const heap: HeapUsage = {usedBytes: 900 * MiB, limitBytes: 1000 * MiB};
      await givenManager(
        {cleanupInterval: 0, memoryPressure: {high: 0.5}},
        {heapUsage: () => heap, maxEvictionsPerPass: 2},
      );
      givenTenants(['a', 'b', 'c', 'd', 'e']);
      expect(await manager.runCleanupPass()).to.equal(2);
      heap.usedBytes = 800 * MiB;
      expect(await manager.runCleanupPass()).to.equal(2);
      expect(registry.tenantIds()).to.deepEqual(['e']);
    });

    it('backs off when evicting does not lower the heap, and reports it', async () => {
      const heap: HeapUsage = {usedBytes: 900 * MiB, limitBytes: 1000 * MiB};
      await givenManager(
        {cleanupInterval: 0, memoryPressure: {high: 0.5}},
        {heapUsage: () => heap, maxEvictionsPerPass: 1},
      );
      givenTenants(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
      const evictedPerPass: number[] = [];
      for (let pass = 0; pass < 8; pass++) {
        evictedPerPass.push(await manager.runCleanupPass());
      }
      // The heap is held by something else: one eviction, then passes
      // skipped 1, 2, 4 ... instead of a sweep on every pass.
      expect(evictedPerPass).to.deepEqual([1, 0, 1, 0, 0, 1, 0, 0]);
      expect(manager.getStats().memoryPressure).to.containDeep({
        isUnderPressure: true,
        consecutivePasses: 8,
      });
      const health = await app.get(TenantRegistryBindings.HEALTH_CHECK);
      await expect(health()).to.be.rejectedWith(/memory-pressure watermark/);
      heap.usedBytes = 100 * MiB;
      expect(await manager.runCleanupPass()).to.equal(0);
      expect(manager.getStats().memoryPressure?.isUnderPressure).to.be.false();
    });
  });

  describe('work in flight', () => {
    it('never evicts a leased tenant in any kind of pass', async () => {
      const heap: HeapUsage = {usedBytes: 900, limitBytes: 1000};
      await givenManager(
        {
          cleanupInterval: 0,
          maxTenants: 1,
          memoryPressure: 0.5,
        },
        {heapUsage: () => heap},
      );
      givenTenant('busy');
      registry.acquire('busy');
      givenTenant('idle');
      clock.tick(60 * MINUTE);
      expect(await manager.runCleanupPass()).to.equal(1);
      givenTenant('other');
      expect(manager.forceCleanup()).to.equal(1);
      expect(registry.tenantIds()).to.deepEqual(['busy']);
      registry.release('busy');
      expect(registry.tenantIds()).to.deepEqual(['busy']);
    });

    it('evicts a tenant marked while leased once its last lease is released', async () => {
      await givenManager();
      givenTenant('a');
      registry.acquire('a');
      registry.acquire('a');
      expect(registry.evictTenant('a', 'manual')).to.be.undefined();
      registry.release('a');
      expect(registry.tenantIds()).to.deepEqual(['a']);
      registry.release('a');
      expect(registry.tenantIds()).to.be.empty();
    });
  });

  describe('forceCleanup()', () => {
    it('evicts every tenant without work in flight and counts them', async () => {
      await givenManager();
      givenTenant('a');
      givenTenant('b');
      expect(manager.forceCleanup()).to.equal(2);
      expect(registry.getStats()).to.containDeep({
        tenantScopes: 0,
        evictions: {manual: 2},
        lastCleanup: {evicted: 2},
      });
    });
  });

  describe('failures', () => {
    it('records a throwing pass, and the timer keeps running', async () => {
      await givenManager();
      const original = registry.evictor.walk.bind(registry.evictor);
      let calls = 0;
      registry.evictor.walk = (...args) => {
        calls++;
        if (calls === 1) throw new Error('injected pass failure');
        return original(...args);
      };
      givenTenant('a');
      await clock.tickAsync(MINUTE);
      expect(registry.getStats().cleanupFailures).to.equal(1);
      expect(registry.getStats().lastCleanup?.error).to.match(/injected/);
      await clock.tickAsync(11 * MINUTE);
      expect(calls).to.be.above(1);
      expect(registry.tenantIds()).to.be.empty();
    });
  });

  describe('options', () => {
    const bad: [TenantRegistryOptions, RegExp][] = [
      [
        {maxTenants: -1},
        /`maxTenants`: expected a positive integer or Infinity, got -1/,
      ],
      [{maxIdleTime: -5}, /`maxIdleTime`/],
      [{cleanupInterval: NaN}, /`cleanupInterval`/],
      [{memoryPressure: 1.5}, /`memoryPressure`/],
      [{strategies: []}, /`strategies`/],
      [{strategies: ['jwt']}, /`jwt`/],
      [
        {strategies: ['jwt'], jwt: {secret: 's', algorithms: ['none']}},
        /`jwt.algorithms`/,
      ],
    ];
    for (const [options, message] of bad) {
      it(`refuses ${JSON.stringify(options)} with INVALID_OPTION`, () => {
        const a = new Application();
        a.configure(TenantRegistryBindings.COMPONENT).to(options);
        expect(() => a.component(TenantRegistryComponent)).to.throw(message);
      });
    }
  });
});
