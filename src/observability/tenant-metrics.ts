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

type Labels = Record<string, string>;
/** A metric's values in one reading of the stats: `[value, labels?]`. */
type Values = (stats: ModelRegistryStats) => [number, Labels?][];

const EVENT_KINDS = ['resyncs', 'replayed', 'rejected', 'gaps'] as const;

/** Name (after the prefix), help, label, and how to read each metric. */
const GAUGES: [string, string, string[], Values][] = [
  ['tenants', 'Live tenant scopes.', [], s => [[s.tenantScopes]]],
  [
    'leased_tenants',
    'Tenants with a request or runInTenant work in flight.',
    [],
    s => [[s.leasedTenants]],
  ],
  [
    'models',
    'Anonymous models registered, by scope.',
    ['scope'],
    s => [
      [s.globalModels, {scope: 'global'}],
      [s.totalTenantModels, {scope: 'tenant'}],
    ],
  ],
  [
    'max_tenants',
    'The cap on live tenants (+Inf when off).',
    [],
    s => [[s.maxTenants]],
  ],
  [
    'memory_pressure',
    'Consecutive cleanup passes that found the heap above the high watermark.',
    [],
    s => [[s.memoryPressure?.consecutivePasses ?? 0]],
  ],
  [
    'events_in_sync',
    'Whether this instance is in sync with the fleet events (1) or not (0).',
    [],
    s => [[s.events?.isInSync === false ? 0 : 1]],
  ],
];

const COUNTERS: [string, string, string[], Values][] = [
  [
    'lookups_total',
    'Anonymous model lookups, by result.',
    ['result'],
    s => [
      [s.hits, {result: 'hit'}],
      [s.misses, {result: 'miss'}],
    ],
  ],
  [
    'models_created_total',
    'Anonymous models built by juggler and registered.',
    [],
    s => [[s.modelsCreated]],
  ],
  [
    'evictions_total',
    'Tenant evictions, by reason.',
    ['reason'],
    s => EVICTION_REASONS.map(reason => [s.evictions[reason], {reason}]),
  ],
  [
    'admissions_total',
    'Tenants admitted, or refused (not_found, capacity, unavailable).',
    ['result'],
    s =>
      Object.entries(s.admissions).map(([result, total]) => [
        total,
        {result: result === 'notFound' ? 'not_found' : result},
      ]),
  ],
  [
    'events_total',
    'Fleet event activity: resyncs, replayed events, rejected messages, gaps (evicted every tenant).',
    ['kind'],
    s => EVENT_KINDS.map(kind => [s.events?.[kind] ?? 0, {kind}]),
  ],
  [
    'bridge_fallbacks_total',
    'Times the juggler bridge fell back to juggler after a registry failure.',
    [],
    s => [[s.bridgeFallbacks]],
  ],
  [
    'cleanup_failures_total',
    'Cleanup passes that failed.',
    [],
    s => [[s.cleanupFailures]],
  ],
];

/**
 * Prometheus metrics of a `ModelRegistry`, in a `prom-client` `Registry` of
 * their own.
 *
 * @remarks
 * Every metric is read from `RegistryManager.getStats()` when scraped, so
 * the hot path (lookups, requests) pays nothing for them; a counter shows
 * the total the registry keeps. Tenant ids are never labels. Our own `Registry` survives `@loopback/metrics` clearing the
 * global one on stop; `registerGlobally()` adds ours to the global registry
 * for apps that already serve `/metrics`.
 */
export class TenantRegistryMetrics {
  /** The prom-client registry holding these metrics. */
  readonly registry = new Registry();
  private readonly metrics: (Gauge | Counter | Histogram)[];

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
    const read = (isFirst: boolean) =>
      isFirst ? (stats = manager.getStats()) : (stats ??= manager.getStats());
    const gauges = GAUGES.map(
      ([name, help, labelNames, values], index) =>
        new Gauge({
          name: prefix + name,
          help,
          labelNames,
          registers,
          collect() {
            for (const [value, labels] of values(read(index === 0))) {
              if (labels) this.set(labels, value);
              else this.set(value);
            }
          },
        }),
    );
    // A counter shows the total the registry keeps: set, not added to, so
    // nothing is counted twice (and a labelled series shows from zero on).
    const counters = COUNTERS.map(
      ([name, help, labelNames, values]) =>
        new Counter({
          name: prefix + name,
          help,
          labelNames,
          registers,
          collect() {
            this.reset();
            for (const [total, labels] of values(read(false))) {
              if (labels) this.inc(labels, total);
              else this.inc(total);
            }
          },
        }),
    );
    const cleanupDuration = new Histogram({
      name: `${prefix}cleanup_duration_seconds`,
      help: 'Duration of cleanup passes.',
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
      registers,
    });
    modelRegistry.on('cleanupPass', pass =>
      cleanupDuration.observe(pass.durationMs / 1000),
    );
    this.metrics = [...gauges, ...counters, cleanupDuration];
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
