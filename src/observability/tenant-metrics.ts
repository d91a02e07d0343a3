// Copyright loopback4-tenant-registry contributors. MIT License.

import {Counter, Gauge, Histogram, Registry, register} from 'prom-client';
import type {RegistryManager} from '../observers/registry-manager.observer';
import type {ModelRegistry} from '../registry/model-registry';
import {
  EVICTION_REASONS,
  type ModelRegistryStats,
} from '../registry/registry-stats';

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
 * Every metric is read from `RegistryManager.getStats()` when scraped, so
 * the hot path (lookups, requests) pays nothing for them; a counter shows
 * the total the registry keeps. Tenant ids are
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
    let stats: ModelRegistryStats | undefined;
    // One getStats() per scrape, shared by every metric's collect(): the
    // first metric registered (the tenants gauge) starts a new reading.
    const read = () => (stats ??= manager.getStats());

    this.metrics = [
      new Gauge({
        name: `${prefix}tenants`,
        help: 'Live tenant scopes.',
        registers,
        collect() {
          stats = undefined;
          this.set(read().tenantScopes);
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
          showTotals(this, [
            [read().hits, {result: 'hit'}],
            [read().misses, {result: 'miss'}],
          ]);
        },
      }),
      new Counter({
        name: `${prefix}models_created_total`,
        help: 'Anonymous models built by juggler and registered.',
        registers,
        collect() {
          showTotals(this, [[read().modelsCreated]]);
        },
      }),
      new Counter({
        name: `${prefix}evictions_total`,
        help: 'Tenant evictions, by reason.',
        labelNames: ['reason'],
        registers,
        collect() {
          const {evictions} = read();
          showTotals(
            this,
            EVICTION_REASONS.map(reason => [evictions[reason], {reason}]),
          );
        },
      }),
      new Counter({
        name: `${prefix}admissions_total`,
        help: 'Tenants admitted, or refused (not_found, capacity, unavailable).',
        labelNames: ['result'],
        registers,
        collect() {
          showTotals(
            this,
            Object.entries(read().admissions).map(([result, total]) => [
              total,
              {result: result === 'notFound' ? 'not_found' : result},
            ]),
          );
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
        help: 'Fleet event activity: resyncs, replayed events, rejected messages, gaps (evicted every tenant).',
        labelNames: ['kind'],
        registers,
        collect() {
          const events = read().events;
          const kinds = ['resyncs', 'replayed', 'rejected', 'gaps'] as const;
          showTotals(
            this,
            kinds.map(kind => [events?.[kind] ?? 0, {kind}]),
          );
        },
      }),
      new Counter({
        name: `${prefix}bridge_fallbacks_total`,
        help: 'Times the juggler bridge fell back to juggler after a registry failure.',
        registers,
        collect() {
          showTotals(this, [[read().bridgeFallbacks]]);
        },
      }),
      new Counter({
        name: `${prefix}cleanup_failures_total`,
        help: 'Cleanup passes that failed.',
        registers,
        collect() {
          showTotals(this, [[read().cleanupFailures]]);
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

/**
 * Show totals the registry keeps on a counter: set, not added to, so that
 * nothing is counted twice (a labelled series shows from zero on).
 */
function showTotals(
  counter: Counter<string>,
  totals: [total: number, labels?: Record<string, string>][],
): void {
  counter.reset();
  for (const [total, labels] of totals) {
    if (labels) counter.inc(labels, total);
    else counter.inc(total);
  }
}
