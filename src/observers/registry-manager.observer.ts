// Copyright loopback4-tenant-registry contributors. MIT License.

import {
  BindingScope,
  inject,
  lifeCycleObserver,
  type LifeCycleObserver,
} from '@loopback/core';
import {CleanupPasses} from '../eviction/cleanup-pass';
import type {TenantEvents} from '../fleet/tenant-event';
import {TenantRegistryBindings} from '../keys';
import type {ResolvedTenantRegistryOptions} from '../options/tenant-registry-options';
import type {ModelRegistry} from '../registry/model-registry';
import type {ModelRegistryStats} from '../registry/registry-stats';
import type {TenantSchemas} from '../schemas/tenant-schemas.service';

/**
 * The cleanup lifecycle observer: runs the cleanup pass on an `unref()`ed
 * timer every `cleanupInterval` from start to stop, and evicts on demand.
 *
 * @example
 * ```ts
 * const manager = await app.get(TenantRegistryBindings.REGISTRY_MANAGER);
 * const evicted = await manager.runCleanupPass(); // with `cleanupInterval: 0`
 * const {tenantScopes, lastCleanup} = manager.getStats();
 * ```
 */
@lifeCycleObserver('tenant-registry', {scope: BindingScope.SINGLETON})
export class RegistryManager implements LifeCycleObserver {
  private timer: NodeJS.Timeout | undefined;
  private readonly passes: CleanupPasses;

  constructor(
    @inject(TenantRegistryBindings.REGISTRY)
    private readonly registry: ModelRegistry,
    @inject(TenantRegistryBindings.OPTIONS)
    private readonly options: ResolvedTenantRegistryOptions,
    @inject(TenantRegistryBindings.TENANT_EVENTS, {optional: true})
    private readonly events?: TenantEvents,
    @inject(TenantRegistryBindings.TENANT_SCHEMAS, {optional: true})
    private readonly schemas?: Pick<TenantSchemas, 'status'>,
  ) {
    this.passes = new CleanupPasses(registry, options, options.heapUsage);
  }

  /** Whether the cleanup timer runs. */
  get isRunning(): boolean {
    return this.timer !== undefined;
  }

  /** Start the timer (unless `cleanupInterval` is 0). Idempotent. */
  start(): void {
    if (this.options.cleanupInterval === 0 || this.timer !== undefined) return;
    this.timer = setInterval(() => {
      // A pass never rejects (a failure is recorded in the stats).
      this.passes.run().catch(() => {});
    }, this.options.cleanupInterval);
    this.timer.unref();
  }

  /** Stop the timer, then wait for the pass under way and DataSource disconnects. Idempotent. */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.passes.whenIdle();
    await this.registry.drain();
  }

  /** Run one cleanup pass now, or join the one under way: how many it evicted. Never rejects. */
  runCleanupPass(): Promise<number> {
    return this.passes.run();
  }

  /**
   * Evict every tenant without a lease (reason `manual`) in slices that yield
   * the event loop, after the pass under way: how many. A tenant admitted
   * meanwhile stays. Never rejects.
   */
  evictAllTenantsInSlices(): Promise<number> {
    return this.passes.evictAll();
  }

  /**
   * Evict every tenant without a lease now (reason `manual`): how many. It
   * holds the event loop for the whole walk; prefer `evictAllTenantsInSlices()`.
   */
  evictAllTenants(): number {
    return this.passes.evictAllNow();
  }

  /** The former name of `evictAllTenants()`. */
  forceCleanup(): number {
    return this.evictAllTenants();
  }

  /** The registry's stats, with the memory-pressure state, the fleet transport's status and the schema migrations' counts. */
  getStats(): ModelRegistryStats {
    return {
      ...this.registry.getStats(),
      memoryPressure: this.passes.memoryPressure,
      events: this.events?.status?.(),
      schemas: this.schemas?.status(),
    };
  }
}
