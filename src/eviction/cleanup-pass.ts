// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';
import {performance} from 'node:perf_hooks';
import type {ResolvedTenantRegistryOptions as Options} from '../options/tenant-registry-options';
import type {ModelRegistry} from '../registry/model-registry';
import {
  ESTIMATED_BYTES_PER_MODEL,
  MemoryPressurePolicy,
  readHeapUsage,
  type HeapUsage,
} from './memory-pressure';
import {usedBefore, type Decide} from './tenant-evictor';

const debug = debugFactory('loopback:tenant-registry:cleanup');

/** When a cleanup pass evicts (`memoryPressure`: off when `undefined`). */
type CleanupSettings = Pick<
  Options,
  'maxIdleTime' | 'maxTenants' | 'memoryPressure'
>;

/**
 * A registry's cleanup passes (waiting, idle, capacity, then memory
 * evictions), in slices that yield the event loop. Passes, evict-all in
 * slices included, never overlap; a failed one is recorded, never rejected.
 */
export class CleanupPasses {
  private running: Promise<number> | undefined;
  private longestSliceMs = 0;
  private readonly memory: MemoryPressurePolicy | undefined;
  private readonly onSlice = (ms: number) => {
    if (ms > this.longestSliceMs) this.longestSliceMs = ms;
  };

  constructor(
    private readonly registry: ModelRegistry,
    private readonly settings: CleanupSettings,
    readHeap: () => HeapUsage = readHeapUsage,
  ) {
    const pressure = settings.memoryPressure;
    this.memory = pressure && new MemoryPressurePolicy(pressure, readHeap);
  }

  /** `undefined` when memory-pressure eviction is off. */
  get memoryPressure() {
    return this.memory?.getState();
  }

  /** Run a pass (its first slice now), or join the one under way. */
  run(): Promise<number> {
    if (this.running !== undefined) return this.running;
    const {registry, settings, onSlice} = this;
    const {evictor} = registry;
    return this.track(
      this.pass(async (at, count) => {
        const isOver: Decide = () =>
          registry.tenantCount > settings.maxTenants ? 'evict' : 'stop';
        const isIdle = usedBefore(at - settings.maxIdleTime);
        count(evictor.runPending());
        count(await evictor.walkInSlices('idle', isIdle, onSlice));
        count(await evictor.walkInSlices('capacity', isOver, onSlice));
        const forMemory = this.planForMemory();
        if (forMemory === undefined) return;
        count(await evictor.walkInSlices('memory', forMemory, onSlice));
      }),
    );
  }

  /** Evict every tenant without a lease as a pass, after the one under way. */
  evictAll(): Promise<number> {
    const {evictor} = this.registry;
    const evictAll = () =>
      this.pass(async (at, count) =>
        count(await evictor.evictAllInSlices('manual', this.onSlice)),
      );
    const previous = this.running;
    return this.track(previous ? previous.then(evictAll) : evictAll());
  }

  /** Evict every tenant without a lease now, in one go, recorded as a pass. */
  evictAllNow(): number {
    const started = performance.now();
    const at = this.registry.clock.now();
    this.longestSliceMs = 0;
    const evicted = this.registry.evictAllTenants('manual');
    this.record(at, started, evicted);
    return evicted;
  }

  async whenIdle(): Promise<void> {
    await this.running;
  }

  private track(pass: Promise<number>): Promise<number> {
    const running: Promise<number> = pass.finally(() => {
      if (this.running === running) this.running = undefined;
    });
    this.running = running;
    return running;
  }

  private async pass(
    steps: (at: number, count: (evicted: number) => void) => Promise<void>,
  ): Promise<number> {
    const started = performance.now();
    const at = this.registry.clock.now();
    this.longestSliceMs = 0;
    let evicted = 0;
    let error: unknown;
    try {
      await steps(at, count => (evicted += count));
    } catch (caught: unknown) {
      error = caught;
      debug('cleanup pass failed: %s', caught);
    }
    this.record(at, started, evicted, error);
    return evicted;
  }

  /** The memory step's decision, when the policy says to evict. */
  private planForMemory(): Decide | undefined {
    const plan = this.memory?.plan();
    if (plan === undefined) return undefined;
    let bytes = 0;
    let tenants = 0;
    return scope => {
      if (bytes >= plan.bytesToFree || tenants >= plan.maxTenants) {
        return 'stop';
      }
      tenants++;
      bytes += scope.ownedModels * ESTIMATED_BYTES_PER_MODEL;
      return 'evict';
    };
  }

  private record(
    at: number,
    started: number,
    evicted: number,
    error?: unknown,
  ) {
    this.registry.recordCleanupPass({
      at,
      durationMs: performance.now() - started,
      evicted,
      longestSliceMs: this.longestSliceMs,
      ...(error !== undefined && {error: String(error)}),
    });
  }
}
