// Copyright loopback4-tenant-registry contributors. MIT License.

import {Counter, Gauge, Histogram, Registry, register} from 'prom-client';
import type {RegistryManager} from '../observers/registry-manager.observer';
import type {ModelRegistry} from '../registry/model-registry';
import type {ModelRegistryStats} from '../registry/registry-stats';
import type {TenantSchemas} from '../schemas/tenant-schemas.service';

/** A metric's value, or its values by the one label's value. */
type Read = (stats: ModelRegistryStats) => number | Record<string, number>;
/** Name (after the prefix): help, how to read it, its label if any. */
type Specs = Record<string, [string, Read, string?]>;
/** `leasedTenants` as Prometheus spells it: `leased_tenants`. */
const snakeCase = (name: string) =>
  name.replace(/[A-Z]/g, letter => `_${letter.toLowerCase()}`);

const GAUGES: Specs = {
  tenants: ['Live tenant scopes.', s => s.tenantScopes],
  leasedTenants: [
    'Tenants with a request or runInTenant work in flight.',
    s => s.leasedTenants,
  ],
  models: [
    'Anonymous models registered, by scope.',
    s => ({global: s.globalModels, tenant: s.totalTenantModels}),
    'scope',
  ],
  maxTenants: ['The cap on live tenants (+Inf when off).', s => s.maxTenants],
  memoryPressure: [
    'Consecutive cleanup passes that found the heap above the high watermark.',
    s => s.memoryPressure?.consecutivePasses ?? 0,
  ],
  eventsInSync: [
    'Whether this instance is in sync with the fleet events (1) or not (0).',
    s => (s.events?.isInSync === false ? 0 : 1),
  ],
};

const COUNTERS: Specs = {
  lookupsTotal: [
    'Anonymous model lookups, by result.',
    s => ({hit: s.hits, miss: s.misses}),
    'result',
  ],
  modelsCreatedTotal: [
    'Anonymous models built by juggler and registered.',
    s => s.modelsCreated,
  ],
  evictionsTotal: ['Tenant evictions, by reason.', s => s.evictions, 'reason'],
  admissionsTotal: [
    'Tenants admitted, or refused (not_found, capacity, unavailable).',
    s => s.admissions,
    'result',
  ],
  eventsTotal: [
    'Fleet event activity: resyncs, replayed events, rejected messages, gaps (evicted every tenant).',
    ({events: e}) => ({
      resyncs: e?.resyncs ?? 0,
      replayed: e?.replayed ?? 0,
      rejected: e?.rejected ?? 0,
      gaps: e?.gaps ?? 0,
    }),
    'kind',
  ],
  bridgeFallbacksTotal: [
    'Times the juggler bridge fell back to juggler after a registry failure.',
    s => s.bridgeFallbacks,
  ],
  cleanupFailuresTotal: ['Cleanup passes that failed.', s => s.cleanupFailures],
  schemaMigrationsTotal: [
    'Tenant schema migrations (runs and first use), by result.',
    ({schemas}) =>
      schemas?.results ?? {migrated: 0, upToDate: 0, failed: 0, locked: 0},
    'result',
  ],
};

/**
 * Prometheus metrics of a `ModelRegistry`, in a `prom-client` `Registry` of
 * their own (it survives `@loopback/metrics` clearing the global one), read
 * from `RegistryManager.getStats()` when scraped. Tenant ids are never labels.
 *
 * @example
 * ```ts
 * const metrics = await app.get(TenantRegistryBindings.METRICS);
 * server.get('/internal/metrics', async (req, res) => {
 *   res.type(metrics.contentType).send(await metrics.metricsText());
 * });
 * const values = await metrics.registry.getMetricsAsJSON(); // prom-client
 * ```
 */
export class TenantRegistryMetrics {
  /** The prom-client registry holding these metrics. */
  readonly registry = new Registry();
  private readonly metrics: (Gauge | Counter | Histogram)[] = [];

  constructor(
    modelRegistry: ModelRegistry,
    manager: Pick<RegistryManager, 'getStats'>,
    options: {prefix?: string} = {},
    schemas?: Pick<TenantSchemas, 'listen'>,
  ) {
    const prefix = options.prefix ?? 'tenant_registry_';
    const registers = [this.registry];
    let stats: ModelRegistryStats | undefined;
    const specs = [...Object.entries(GAUGES), ...Object.entries(COUNTERS)];
    for (const [name, [help, read, label]] of specs) {
      const config = {
        name: prefix + snakeCase(name),
        help,
        registers,
        labelNames: label === undefined ? [] : [label],
        // Reset, then written whole: a counter shows the registry's total.
        collect(this: Gauge | Counter) {
          // One getStats() per scrape: the first metric reads it anew.
          if (name === 'tenants' || stats === undefined) {
            stats = manager.getStats();
          }
          const values = read(stats);
          const byKey = typeof values === 'number' ? {'': values} : values;
          this.reset();
          for (const [key, value] of Object.entries(byKey)) {
            const labels = label === undefined ? {} : {[label]: snakeCase(key)};
            if (this instanceof Counter) this.inc(labels, value);
            else this.set(labels, value);
          }
        },
      };
      this.metrics.push(
        name.endsWith('Total') ? new Counter(config) : new Gauge(config),
      );
    }
    const cleanupDuration = new Histogram({
      name: `${prefix}cleanup_duration_seconds`,
      help: 'Duration of cleanup passes.',
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
      registers,
    });
    modelRegistry.on('cleanupPass', pass =>
      cleanupDuration.observe(pass.durationMs / 1000),
    );
    this.metrics.push(cleanupDuration);
    const migrationDuration = new Histogram({
      name: `${prefix}schema_migration_duration_seconds`,
      help: 'Duration of tenant schema migrations that ran (migrated or failed), lock wait included.',
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
      registers,
    });
    // Up-to-date and locked results only read a stamp or waited: not counted.
    schemas?.listen(({result, durationMs}) => {
      if (result === 'migrated' || result === 'failed') {
        migrationDuration.observe(durationMs / 1000);
      }
    });
    this.metrics.push(migrationDuration);
  }

  /** The metrics in Prometheus text format. */
  metricsText(): Promise<string> {
    return this.registry.metrics();
  }

  /** The content type of {@link TenantRegistryMetrics.metricsText}. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Add these metrics to prom-client's global registry (idempotent). */
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
