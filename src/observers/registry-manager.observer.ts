// Copyright loopback4-tenant-registry contributors. MIT License.

import {
  BindingScope,
  inject,
  lifeCycleObserver,
  type LifeCycleObserver,
} from '@loopback/core';
import debugFactory from 'debug';
import {performance} from 'node:perf_hooks';
import {
  ESTIMATED_BYTES_PER_MODEL,
  MemoryPressurePolicy,
  type MemoryPressureState,
} from '../eviction/memory-pressure';
import type {EvictionDecision} from '../eviction/tenant-evictor';
import type {TenantEvents, TenantEventsStatus} from '../fleet/tenant-event';
import {TenantRegistryBindings} from '../keys';
import type {ResolvedTenantRegistryOptions} from '../options/tenant-registry-options';
import type {ModelRegistry} from '../registry/model-registry';
import type {
  EvictionReason,
  ModelRegistryStats,
} from '../registry/registry-stats';
import type {ModelScope} from '../registry/model-scope';

const debug = debugFactory('loopback:tenant-registry:cleanup');

type PassStep = () => number | Promise<number>;

/** `RegistryManager.getStats()`: the registry's counters and the manager's. */
export interface RegistryManagerStats extends ModelRegistryStats {
  /** Whether the cleanup timer runs. */
  isRunning: boolean;
  /** Cleanup passes run since the process started. */
  cleanupPasses: number;
  /** The memory-pressure policy's state (`undefined` when it is off). */
  memoryPressure: MemoryPressureState | undefined;
  /** The fleet events transport's status, when it reports one. */
  events: TenantEventsStatus | undefined;
}

/**
 * The cleanup lifecycle observer: runs the cleanup pass on an `unref()`ed
 * timer from start to stop.
 *
 * @remarks
 * A pass evicts, in order: tenants whose eviction waited for their work to
 * end; tenants idle longer than `maxIdleTime`; over `maxTenants`, the least
 * recently used; under memory pressure, the least recently used until the
 * estimate is under the low watermark. A busy tenant is never evicted, nor
 * is the global scope. A pass works in slices of about 4 ms, yielding the
 * event loop between them; passes (evict-all in slices included) never
 * overlap, and one that fails is recorded in the stats while the timer goes
 * on.
 */
@lifeCycleObserver('tenant-registry', {scope: BindingScope.SINGLETON})
export class RegistryManager implements LifeCycleObserver {
  private timer: NodeJS.Timeout | undefined;
  private passes = 0;
  private running: Promise<number> | undefined;
  /** The longest slice of the pass under way (reset as a pass starts). */
  private longestSliceMs = 0;
  private readonly memory: MemoryPressurePolicy | undefined;

  constructor(
    @inject(TenantRegistryBindings.REGISTRY)
    private readonly registry: ModelRegistry,
    @inject(TenantRegistryBindings.OPTIONS)
    private readonly options: ResolvedTenantRegistryOptions,
    @inject(TenantRegistryBindings.TENANT_EVENTS, {optional: true})
    private readonly events?: TenantEvents,
  ) {
    const pressure = options.memoryPressure;
    this.memory =
      pressure && new MemoryPressurePolicy(pressure, options.heapUsage);
  }

  /** Whether the cleanup timer runs. */
  get isRunning(): boolean {
    return this.timer !== undefined;
  }

  /** Start the timer (unless `cleanupInterval` is 0). Idempotent. */
  start(): void {
    if (this.options.cleanupInterval === 0 || this.timer !== undefined) return;
    this.timer = setInterval(() => {
      this.runCleanupPass().catch(() => {});
    }, this.options.cleanupInterval);
    this.timer.unref();
  }

  /**
   * Stop the timer and wait for the pass under way and DataSource
   * disconnects. Idempotent.
   */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    await this.registry.drain();
  }

  /**
   * Run one cleanup pass now (what the timer does). Its first slice runs
   * before this returns; while a pass is under way, the same pass is
   * returned.
   *
   * @returns How many tenants it evicted. Never rejects.
   */
  runCleanupPass(): Promise<number> {
    if (this.running !== undefined) return this.running;
    return this.track(this.pass(at => this.cleanupSteps(at)));
  }

  /**
   * Evict every tenant without work in flight (reason `manual`) as a pass
   * in slices of about 4 ms that yield the event loop: what the dashboard's
   * "evict all" does. It starts once the pass under way (if any) ends.
   *
   * @remarks
   * It evicts the tenants live when it starts, each unless it has work in
   * flight when the walk reaches it; a tenant admitted while it runs is left
   * alone (see `ModelRegistry.evictAllTenantsInSlices`).
   *
   * @returns How many tenants were evicted. Never rejects.
   */
  evictAllTenantsInSlices(): Promise<number> {
    const evictAll = () =>
      this.pass(() => [
        () => this.registry.runPendingEvictions(),
        () => this.inSlices('manual', this.registry.tenantsLiveNow()),
      ]);
    const previous = this.running;
    return this.track(
      previous === undefined ? evictAll() : previous.then(evictAll),
    );
  }

  /**
   * Evict every tenant without work in flight now (reason `manual`), in one
   * go.
   *
   * @remarks
   * Blocking: it holds the event loop for the whole walk (0.25 s at 20,000
   * tenants with a model each). Kept for compatibility; prefer
   * {@link RegistryManager.evictAllTenantsInSlices}.
   *
   * @returns How many tenants were evicted.
   */
  evictAllTenants(): number {
    const started = performance.now();
    const at = this.options.clock.now();
    const evicted = this.registry.evictAllTenants('manual');
    this.passes++;
    this.record(at, started, evicted);
    return evicted;
  }

  /** The seed's name for {@link RegistryManager.evictAllTenants} (blocking). */
  forceCleanup(): number {
    return this.evictAllTenants();
  }

  /** The registry's counters and the manager's. */
  getStats(): RegistryManagerStats {
    return {
      ...this.registry.getStats(),
      isRunning: this.isRunning,
      cleanupPasses: this.passes,
      memoryPressure: this.memory?.getState(),
      events: this.events?.status?.(),
    };
  }

  /** Remember a pass under way until it ends. */
  private track(result: number | Promise<number>): Promise<number> {
    if (typeof result === 'number') return Promise.resolve(result);
    const running: Promise<number> = result.finally(() => {
      if (this.running === running) this.running = undefined;
    });
    this.running = running;
    return running;
  }

  private pass(stepsAt: (at: number) => PassStep[]): number | Promise<number> {
    const started = performance.now();
    const at = this.options.clock.now();
    this.passes++;
    this.longestSliceMs = 0;
    const steps = stepsAt(at);
    let evicted = 0;
    const finish = (error?: unknown) => {
      this.record(at, started, evicted, error);
      if (error !== undefined) debug('cleanup pass failed: %s', error);
      return evicted;
    };
    // Steps that finish in their first slice run synchronously, so a small
    // pass is over when runCleanupPass() returns.
    const run = (from: number): number | Promise<number> => {
      for (let i = from; i < steps.length; i++) {
        const result = steps[i]();
        if (typeof result !== 'number') {
          return result.then(count => {
            evicted += count;
            return run(i + 1);
          });
        }
        evicted += result;
      }
      return finish();
    };
    try {
      const result = run(0);
      return typeof result === 'number' ? result : result.catch(finish);
    } catch (error: unknown) {
      return finish(error);
    }
  }

  private cleanupSteps(at: number): PassStep[] {
    const {maxIdleTime, maxTenants} = this.options;
    const registry = this.registry;
    const cutoff = at - maxIdleTime;
    return [
      () => registry.runPendingEvictions(),
      () =>
        this.inSlices('idle', r =>
          r.lastAccessed < cutoff ? 'evict' : 'stop',
        ),
      () =>
        this.inSlices('capacity', () =>
          registry.tenantCount > maxTenants ? 'evict' : 'stop',
        ),
      () => this.evictForMemory(),
    ];
  }

  private evictForMemory(): number | Promise<number> {
    const plan = this.memory?.plan();
    if (plan === undefined) return 0;
    let released = 0;
    let count = 0;
    return this.inSlices('memory', registry => {
      if (released >= plan.bytesToRelease || count >= plan.maxTenants) {
        return 'stop';
      }
      count++;
      released +=
        (registry.size + registry.trackedModels.size) *
        ESTIMATED_BYTES_PER_MODEL;
      return 'evict';
    });
  }

  /**
   * One walk in slices, yielding the event loop between them: a number
   * when it finished in its first slice. Records the longest slice.
   */
  private inSlices(
    reason: EvictionReason,
    decide: (registry: ModelScope) => EvictionDecision,
  ): number | Promise<number> {
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
