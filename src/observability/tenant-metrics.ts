// Copyright loopback4-tenant-registry contributors. MIT License.

import {Counter, Gauge, Histogram, Registry, register} from 'prom-client';
import type {
  RegistryManager,
  RegistryManagerStats,
} from '../observers/registry-manager.observer';
import type {ModelRegistry} from '../registry/model-registry';
import {EVICTION_REASONS} from '../registry/registry-stats';

/**
 * Options of {@link TenantRegistryMetrics}.
 *
 * @internal
 */
export interface TenantRegistryMetricsOptions {
  /** Name prefix. @defaultValue `'tenant_registry_'` */
  prefix?: string;
}

/**
 * Prometheus metrics of a `ModelRegistry`, in a `prom-client` `Registry` of
 * their own.
 *
 * @remarks
 * Gauges and counters are read from the registry's counters when scraped,
 * so the hot path (lookups, requests) pays nothing for them. Tenant ids are
 * never labels. Our own `Registry` survives `@loopback/metrics` clearing the
 * global one on stop; `registerGlobally()` adds ours to the global registry
 * for apps that already serve `/metrics`.
 */
export class TenantRegistryMetrics {
  /** The prom-client registry holding these metrics. */
  readonly registry = new Registry();
  private readonly metrics: (Gauge | Counter | Histogram)[];
  private readonly cleanupDuration: Histogram;

  constructor(
    modelRegistry: ModelRegistry,
    manager: Pick<RegistryManager, 'getStats'>,
    options: TenantRegistryMetricsOptions = {},
  ) {
    const prefix = options.prefix ?? 'tenant_registry_';
    const registers = [this.registry];
    let stats: RegistryManagerStats | undefined;
    // One getStats() per scrape, shared by every metric's collect(): the
    // first metric registered (the tenants gauge) starts a new reading.
    const read = () => (stats ??= manager.getStats());
    const counted = new Map<string, number>();
    const catchUp = (
      counter: Counter<string>,
      key: string,
      total: number,
      labels?: Record<string, string>,
    ) => {
      const seen = counted.get(key);
      const delta = total - (seen ?? 0);
      // A labelled series appears only once incremented: show zeros too.
      if (delta > 0 || seen === undefined) {
        if (labels) counter.inc(labels, delta);
        else counter.inc(delta);
      }
      counted.set(key, total);
    };

    this.metrics = [
      new Gauge({
        name: `${prefix}tenants`,
        help: 'Live tenant registries.',
        registers,
        collect() {
          stats = undefined;
          this.set(read().tenantRegistries);
        },
      }),
      new Gauge({
        name: `${prefix}leased_tenants`,
        help: 'Tenants with a request or runInTenant work in flight.',
        registers,
        collect() {
          this.set(read().leasedTenants);
        },
      }),
      new Gauge({
        name: `${prefix}models`,
        help: 'Anonymous models registered, by scope.',
        labelNames: ['scope'],
        registers,
        collect() {
          this.set({scope: 'global'}, read().globalModels);
          this.set({scope: 'tenant'}, read().totalTenantModels);
        },
      }),
      new Counter({
        name: `${prefix}lookups_total`,
        help: 'Anonymous model lookups, by result.',
        labelNames: ['result'],
        registers,
        collect() {
          catchUp(this, 'hit', read().hits, {result: 'hit'});
          catchUp(this, 'miss', read().misses, {result: 'miss'});
        },
      }),
      new Counter({
        name: `${prefix}models_created_total`,
        help: 'Anonymous models built by juggler and registered.',
        registers,
        collect() {
          catchUp(this, 'created', read().modelsCreated);
        },
      }),
      new Counter({
        name: `${prefix}evictions_total`,
        help: 'Tenant evictions, by reason.',
        labelNames: ['reason'],
        registers,
        collect() {
          for (const reason of EVICTION_REASONS) {
            catchUp(this, `evicted:${reason}`, read().evictions[reason], {
              reason,
            });
          }
        },
      }),
      new Counter({
        name: `${prefix}admissions_total`,
        help: 'Tenants admitted, or refused (not_found, capacity, unavailable).',
        labelNames: ['result'],
        registers,
        collect() {
          for (const [result, total] of Object.entries(read().admissions)) {
            const label = result === 'notFound' ? 'not_found' : result;
            catchUp(this, `admission:${result}`, total, {result: label});
          }
        },
      }),
      new Gauge({
        name: `${prefix}max_tenants`,
        help: 'The cap on live tenants (+Inf when off).',
        registers,
        collect() {
          this.set(read().maxTenants);
        },
      }),
      new Gauge({
        name: `${prefix}memory_pressure`,
        help: 'Consecutive cleanup passes that found the heap above the high watermark.',
        registers,
        collect() {
          this.set(read().memoryPressure?.consecutivePasses ?? 0);
        },
      }),
      new Gauge({
        name: `${prefix}events_in_sync`,
        help: 'Whether this instance is in sync with the fleet events (1) or not (0).',
        registers,
        collect() {
          this.set(read().events?.isInSync === false ? 0 : 1);
        },
      }),
      new Counter({
        name: `${prefix}events_total`,
        help: 'Fleet event activity: resyncs, replayed events, rejected messages.',
        labelNames: ['kind'],
        registers,
        collect() {
          const events = read().events;
          for (const kind of ['resyncs', 'replayed', 'rejected'] as const) {
            catchUp(this, `events:${kind}`, events?.[kind] ?? 0, {kind});
          }
        },
      }),
      new Counter({
        name: `${prefix}bridge_fallbacks_total`,
        help: 'Times the juggler bridge fell back to juggler after a registry failure.',
        registers,
        collect() {
          catchUp(this, 'fallbacks', read().bridgeFallbacks);
        },
      }),
      new Counter({
        name: `${prefix}cleanup_failures_total`,
        help: 'Cleanup passes that failed.',
        registers,
        collect() {
          catchUp(this, 'cleanupFailures', read().cleanupFailures);
        },
      }),
    ];
    this.cleanupDuration = new Histogram({
      name: `${prefix}cleanup_duration_seconds`,
      help: 'Duration of cleanup passes.',
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
      registers,
    });
    this.metrics.push(this.cleanupDuration);
    modelRegistry.on('cleanupPass', pass =>
      this.cleanupDuration.observe(pass.durationMs / 1000),
    );
  }

  /** The metrics in Prometheus text format. */
  metricsText(): Promise<string> {
    return this.registry.metrics();
  }

  /** The content type of {@link TenantRegistryMetrics.metricsText} (Prometheus text). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /**
   * Add these metrics to prom-client's global registry (idempotent), so that
   * an app already serving `/metrics` includes them.
   */
  registerGlobally(): void {
    for (const metric of this.metrics) {
      const name = (metric as unknown as {name: string}).name;
      if (register.getSingleMetric(name) !== metric) {
        register.removeSingleMetric(name);
        register.registerMetric(metric);
      }
    }
  }
}
