// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';
import {performance} from 'node:perf_hooks';
import type {MemoryPressureSettings} from '../options/tenant-registry-options';
import type {ModelRegistry} from '../registry/model-registry';
import type {ModelScope} from '../registry/model-scope';
import type {EvictionReason} from '../registry/registry-stats';
import {readHeapUsage, type HeapUsage} from './heap-usage';
import {
  ESTIMATED_BYTES_PER_MODEL,
  MemoryPressurePolicy,
  type MemoryPressureState,
} from './memory-pressure';
import type {EvictionDecision} from './tenant-evictor';

const debug = debugFactory('loopback:tenant-registry:cleanup');

/** When a cleanup pass evicts. */
export interface CleanupSettings {
  /** Milliseconds unused after which a tenant is evicted. */
  maxIdleTime: number;
  maxTenants: number;
  /** The watermarks; `undefined` turns memory-pressure eviction off. */
  memoryPressure: MemoryPressureSettings | undefined;
}

/**
 * The cleanup passes of a registry, one at a time.
 *
 * @remarks
 * A pass evicts, in order: tenants whose eviction waited for their last
 * lease; tenants idle longer than `maxIdleTime`; over `maxTenants`, the
 * least recently used; under memory pressure, the least recently used until
 * the estimate is under the low watermark. A leased tenant is never evicted,
 * nor is the global scope. A pass works in slices that yield the event loop;
 * passes (evict-all in slices included) never overlap; a pass that fails is
 * recorded (`lastCleanup.error`, `cleanupFailures`), never rejected.
 *
 * @internal
 */
export class CleanupPasses {
  private running: Promise<number> | undefined;
  /** The longest slice of the pass under way. */
  private longestSliceMs = 0;
  private readonly memory: MemoryPressurePolicy | undefined;

  /** @param readHeap - The heap reader (a test seam). */
  constructor(
    private readonly registry: ModelRegistry,
    private readonly settings: CleanupSettings,
    readHeap: () => HeapUsage = readHeapUsage,
  ) {
    const pressure = settings.memoryPressure;
    this.memory = pressure && new MemoryPressurePolicy(pressure, readHeap);
  }

  /** The memory-pressure policy's state (`undefined` when it is off). */
  get memoryPressure(): MemoryPressureState | undefined {
    return this.memory?.getState();
  }

  /**
   * Run a cleanup pass (its first slice before this returns), or join the
   * one under way.
   *
   * @returns How many tenants it evicted.
   */
  run(): Promise<number> {
    return (
      this.running ??
      this.track(
        this.pass(async (at, count) => {
          const {maxIdleTime, maxTenants} = this.settings;
          const registry = this.registry;
          const cutoff = at - maxIdleTime;
          count(registry.runPendingEvictions());
          count(
            await this.evictInSlices('idle', scope =>
              scope.lastAccessed < cutoff ? 'evict' : 'stop',
            ),
          );
          count(
            await this.evictInSlices('capacity', () =>
              registry.tenantCount > maxTenants ? 'evict' : 'stop',
            ),
          );
          count(await this.evictForMemory());
        }),
      )
    );
  }

  /**
   * Evict every tenant without a lease (reason `manual`) as a pass in
   * slices, once the pass under way (if any) ends.
   */
  evictAll(): Promise<number> {
    const evictAll = () =>
      this.pass(async (at, count) => {
        count(this.registry.runPendingEvictions());
        const decide = this.registry.tenantsLiveNow();
        count(await this.evictInSlices('manual', decide));
      });
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

  /** Resolves when the pass under way (if any) has ended. */
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

  private async evictForMemory(): Promise<number> {
    const plan = this.memory?.plan();
    if (plan === undefined) return 0;
    let bytes = 0;
    let tenants = 0;
    return this.evictInSlices('memory', scope => {
      if (bytes >= plan.bytesToFree || tenants >= plan.maxTenants) {
        return 'stop';
      }
      tenants++;
      bytes += scope.ownedModels * ESTIMATED_BYTES_PER_MODEL;
      return 'evict';
    });
  }

  private evictInSlices(
    reason: EvictionReason,
    decide: (scope: ModelScope) => EvictionDecision,
  ): Promise<number> {
    return this.registry.evictInSlices(reason, decide, {
      onSlice: ms => {
        if (ms > this.longestSliceMs) this.longestSliceMs = ms;
      },
    });
  }

  private record(
    at: number,
    started: number,
    evicted: number,
    error?: unknown,
  ): void {
    this.registry.recordCleanupPass({
      at,
      durationMs: performance.now() - started,
      evicted,
      longestSliceMs: this.longestSliceMs,
      ...(error !== undefined && {error: String(error)}),
    });
  }
}
