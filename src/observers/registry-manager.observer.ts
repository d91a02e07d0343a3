// Copyright loopback4-tenant-registry contributors. MIT License.

import {
  BindingScope,
  Context,
  CoreBindings,
  CoreTags,
  createBindingFromClass,
  inject,
  lifeCycleObserver,
  type Getter,
  type LifeCycleObserver,
} from '@loopback/core';
import {MiddlewareSequence, RestBindings} from '@loopback/rest';
import debugFactory from 'debug';
import {
  installJugglerBridge,
  type UninstallJugglerBridge,
} from '../bridge/juggler-bridge';
import {TenantInterceptorProvider} from '../interceptors/tenant.interceptor';
import {TenantRegistryBindings} from '../keys';
import type {TenantRequestHandler} from '../providers/tenant-request-handler';
import type {ModelRegistry} from '../registry/model-registry';
import type {ModelRegistryStats} from '../registry/registry-stats';
import type {ResolvedTenantRegistryOptions} from '../types';
import type {TenantEvents} from '../events/tenant-event';
import {estimatedBytesReleased} from './memory-estimate';
import {TenantEventHandler} from './tenant-event-handler';

const debug = debugFactory('loopback:tenant-registry:cleanup');

/** `RegistryManager.getStats()`: the registry's counters and the manager's. */
export interface RegistryManagerStats extends ModelRegistryStats {
  /** Whether the manager is started. */
  isRunning: boolean;
  /** Cleanup passes run since the process started. */
  cleanupPasses: number;
}

/**
 * The cleanup lifecycle observer: installs the juggler bridge on start, runs
 * the cleanup pass on an `unref()`ed timer, and removes both on stop.
 *
 * @remarks
 * A pass evicts, in order: tenants marked while leased whose work is done;
 * tenants idle longer than `maxIdleTime`; over `maxTenants`, the least
 * recently used; under `memoryPressure`, the least recently used until the
 * estimated heap is below the threshold. A tenant with a lease (a request) or
 * `runInTenant` work in flight is never evicted, nor is the global scope.
 * A pass is synchronous, so two never overlap; one that throws is recorded
 * in the stats and the timer goes on.
 */
@lifeCycleObserver('tenant-registry')
export class RegistryManager implements LifeCycleObserver {
  private timer: NodeJS.Timeout | undefined;
  private uninstallBridge: UninstallJugglerBridge | undefined;
  private passes = 0;
  private readonly eventHandler: TenantEventHandler | undefined;

  constructor(
    @inject(TenantRegistryBindings.REGISTRY)
    private readonly registry: ModelRegistry,
    @inject(TenantRegistryBindings.OPTIONS)
    private readonly options: ResolvedTenantRegistryOptions,
    @inject.getter(TenantRegistryBindings.METRICS)
    private readonly getMetrics: Getter<unknown>,
    @inject(TenantRegistryBindings.REQUEST_HANDLER, {optional: true})
    private readonly requestHandler?: TenantRequestHandler,
    @inject(CoreBindings.APPLICATION_INSTANCE, {optional: true})
    private readonly application?: Context,
    @inject(TenantRegistryBindings.TENANT_EVENTS, {optional: true})
    events?: TenantEvents,
  ) {
    this.eventHandler = events && new TenantEventHandler(registry, events);
  }

  /** Whether `start()` has run without a `stop()` since. */
  get isRunning(): boolean {
    return this.uninstallBridge !== undefined || this.timer !== undefined;
  }

  /**
   * Install the bridge (unless `bridge: false`) and start the timer
   * (unless `cleanupInterval: 0`). Idempotent.
   *
   * @throws TenantRegistryError `INVALID_OPTION` when a configured strategy
   * is not registered.
   */
  async start(): Promise<void> {
    await this.requestHandler?.strategies();
    await this.bindInterceptorForLegacySequence();
    await this.eventHandler?.start();
    // Created now so that the histogram sees every cleanup pass.
    if (this.options.metrics.enabled) await this.getMetrics();
    if (this.options.bridge && this.uninstallBridge === undefined) {
      this.uninstallBridge = installJugglerBridge(this.registry);
    }
    if (this.options.cleanupInterval > 0 && this.timer === undefined) {
      this.timer = setInterval(
        () => this.runCleanupPass(),
        this.options.cleanupInterval,
      );
      this.timer.unref();
    }
  }

  /**
   * Stop the timer, uninstall the bridge, and wait for DataSource
   * disconnects under way. Idempotent.
   */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.uninstallBridge?.();
    this.uninstallBridge = undefined;
    await this.eventHandler?.stop();
    await this.registry.drain();
  }

  /**
   * Run one cleanup pass now (what the timer does).
   *
   * @returns How many tenants it evicted.
   */
  runCleanupPass(): number {
    const started = performance.now();
    const at = this.options.clock.now();
    let evicted = 0;
    this.passes++;
    try {
      evicted += this.registry.runPendingEvictions();
      evicted += this.registry.cleanupInactiveTenants(this.options.maxIdleTime);
      evicted += this.evictOverCapacity();
      evicted += this.evictUnderMemoryPressure();
      this.record(at, started, evicted);
    } catch (error: unknown) {
      this.record(at, started, evicted, error);
      debug('cleanup pass failed: %s', error);
    }
    return evicted;
  }

  /**
   * Evict every tenant without work in flight now (reason `manual`).
   *
   * @returns How many tenants were evicted.
   */
  forceCleanup(): number {
    const started = performance.now();
    const at = this.options.clock.now();
    const evicted =
      this.registry.runPendingEvictions() +
      this.registry.evictLeastRecentlyUsed('manual', () => true);
    this.passes++;
    this.record(at, started, evicted);
    return evicted;
  }

  /**
   * Evict a tenant here now and on every instance (reason `external`).
   *
   * @param tenantId - A valid tenant id.
   * @throws When the events transport is down (evicted here all the same).
   */
  evictTenantEverywhere(tenantId: string): Promise<void> {
    return this.publish('evict', tenantId);
  }

  /**
   * Suspend a tenant on every instance: evicted, and its requests refused
   * with 403 `TENANT_SUSPENDED` until `resumeTenant`; instances that start
   * later refuse it too.
   *
   * @param tenantId - A valid tenant id.
   * @throws When the events transport is down (suspended here all the same).
   */
  suspendTenant(tenantId: string): Promise<void> {
    return this.publish('suspend', tenantId);
  }

  /**
   * Accept a suspended tenant again, on every instance.
   *
   * @param tenantId - A valid tenant id.
   * @throws When the events transport is down (resumed here all the same).
   */
  resumeTenant(tenantId: string): Promise<void> {
    return this.publish('resume', tenantId);
  }

  private async publish(
    type: 'evict' | 'suspend' | 'resume',
    tenantId: string,
  ): Promise<void> {
    if (this.eventHandler === undefined) {
      throw new Error('No TenantEvents is bound');
    }
    await this.eventHandler.publish(type, tenantId);
  }

  /** The registry's counters and the manager's. */
  getStats(): RegistryManagerStats {
    return {
      ...this.registry.getStats(),
      isRunning: this.isRunning,
      cleanupPasses: this.passes,
    };
  }

  /**
   * The interceptor fallback is for apps on a sequence other than
   * `MiddlewareSequence` (the legacy `DefaultSequence`): bound only there,
   * since a global interceptor costs every controller call.
   */
  private async bindInterceptorForLegacySequence(): Promise<void> {
    const app = this.application;
    if (app === undefined || app.isBound(TenantRegistryBindings.INTERCEPTOR)) {
      return;
    }
    let isLegacy = false;
    for (const binding of app.findByTag(CoreTags.SERVER)) {
      const server = await app.get<unknown>(binding.key);
      if (!(server instanceof Context)) continue;
      const sequence = server.getBinding(RestBindings.SEQUENCE, {
        optional: true,
      });
      if (sequence === undefined) continue;
      // Read the bound class: resolving a sequence needs a request context.
      const sequenceClass = sequence.valueConstructor;
      isLegacy ||= !(
        sequenceClass === MiddlewareSequence ||
        sequenceClass?.prototype instanceof MiddlewareSequence
      );
    }
    if (!isLegacy) return;
    app.add(
      createBindingFromClass(TenantInterceptorProvider, {
        key: TenantRegistryBindings.INTERCEPTOR,
        defaultScope: BindingScope.SINGLETON,
      }),
    );
  }

  private evictOverCapacity(): number {
    const {maxTenants} = this.options;
    if (maxTenants === Infinity) return 0;
    return this.registry.evictLeastRecentlyUsed(
      'capacity',
      () => this.registry.tenantCount > maxTenants,
    );
  }

  private evictUnderMemoryPressure(): number {
    const threshold = this.options.memoryPressure;
    if (threshold === undefined) return 0;
    const {usedBytes, limitBytes} = this.options.heapUsage();
    const target = limitBytes * threshold;
    if (usedBytes <= target) return 0;
    return this.registry.evictLeastRecentlyUsed(
      'memory',
      evicted => usedBytes - estimatedBytesReleased(evicted) > target,
    );
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
      ...(error !== undefined && {error: String(error)}),
    });
  }
}
