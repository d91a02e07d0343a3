// Copyright loopback4-tenant-registry contributors. MIT License.

import {BindingKey, type Interceptor} from '@loopback/core';
import type {Middleware} from '@loopback/rest';
import type {TenantRegistryComponent} from './component';
import type {
  TenantDataSourcePool,
  TenantDataSourceFactory,
} from './datasources/tenant-datasource-pool';
import type {SuspendedTenants} from './fleet/suspended-tenants';
import type {TenantEvents} from './fleet/tenant-event';
import type {
  TenantAdmission,
  TenantAdmissionCheck,
} from './admission/tenant-admission';
import type {TenantRegistryMetrics} from './observability/tenant-metrics';
import type {RegistryManager} from './observers/registry-manager.observer';
import type {ResolvedTenantRegistryOptions} from './options/tenant-registry-options';
import type {ModelRegistry} from './registry/model-registry';
import type {TenantRequestHandler} from './request/tenant-request-handler';
import type {TenantAdminService} from './services/tenant-admin.service';
import type {TenantMigration} from './schemas/tenant-migration';
import type {TenantSchemas} from './schemas/tenant-schemas.service';

/** Binding keys of `loopback4-tenant-registry`. */
export namespace TenantRegistryBindings {
  const key = BindingKey.create;

  /**
   * The component; configure it here, before `app.component()`.
   * @example
   * ```ts
   * app.configure(TenantRegistryBindings.COMPONENT).to({maxIdleTime: 600000});
   * app.component(TenantRegistryComponent);
   * ```
   */
  export const COMPONENT = key<TenantRegistryComponent>(
    'components.TenantRegistryComponent',
  );

  /**
   * The application's `ModelRegistry` (a singleton).
   * @example
   * ```ts
   * constructor(@inject(TenantRegistryBindings.REGISTRY) registry: ModelRegistry) {}
   * ```
   */
  export const REGISTRY = key<ModelRegistry>('tenant-registry.registry');

  /**
   * The current tenant id, or `undefined` outside a tenant.
   * @example
   * ```ts
   * constructor(@inject(TenantRegistryBindings.CURRENT_TENANT) tenantId?: string) {}
   * ```
   */
  export const CURRENT_TENANT = key<string | undefined>(
    'tenant-registry.current-tenant',
  );

  /**
   * The current tenant id; outside a tenant, 400 `TENANT_REQUIRED`.
   * @example
   * ```ts
   * constructor(@inject(TenantRegistryBindings.REQUIRED_TENANT) tenantId: string) {}
   * ```
   */
  export const REQUIRED_TENANT = key<string>('tenant-registry.required-tenant');

  /**
   * The current tenant's record, as the admission check returned it (see
   * `TenantAdmissionCheck`), cached with its "yes": no second lookup.
   * `undefined` outside a tenant, or when the check answered `true` (or none
   * is bound); under `requireTenant`, 400 `TENANT_REQUIRED` for a request
   * that named no tenant, as `CURRENT_TENANT`. Type it at the injection.
   * @example
   * ```ts
   * constructor(@inject(TenantRegistryBindings.CURRENT_TENANT_INFO) tenant?: MyTenant) {}
   * ```
   */
  export const CURRENT_TENANT_INFO = key<object | undefined>(
    'tenant-registry.current-tenant-info',
  );

  /**
   * The cleanup lifecycle observer: the eviction passes and their stats.
   * @example
   * ```ts
   * const manager = await app.get(TenantRegistryBindings.REGISTRY_MANAGER);
   * manager.evictAllTenants();
   * ```
   */
  export const REGISTRY_MANAGER = key<RegistryManager>(
    'tenant-registry.registry-manager',
  );

  /**
   * Fleet-wide admin actions: evict, suspend, resume a tenant everywhere.
   * @example
   * ```ts
   * const admin = await app.get(TenantRegistryBindings.ADMIN);
   * await admin.suspendTenantEverywhere('acme');
   * ```
   */
  export const ADMIN = key<TenantAdminService>('tenant-registry.admin');

  /**
   * Where the app binds its check of whether a tenant id names a real
   * tenant; unbound, every valid id is admitted (up to `maxTenants`).
   * @example
   * ```ts
   * app.bind(TenantRegistryBindings.ADMISSION_CHECK).to(tenantId => catalog.has(tenantId));
   * ```
   */
  export const ADMISSION_CHECK = key<TenantAdmissionCheck>(
    'tenant-registry.admission-check',
  );

  /**
   * Tenant admission, for code outside HTTP requests (same rules).
   * @example
   * ```ts
   * const admission = await app.get(TenantRegistryBindings.ADMISSION);
   * await admission.runInTenant('acme', () => job.run());
   * ```
   */
  export const ADMISSION = key<TenantAdmission>('tenant-registry.admission');

  /**
   * The extension point of tenant resolution strategies.
   * @example
   * ```ts
   * app.add(createBindingFromClass(MyStrategy).apply(asTenantStrategy));
   * ```
   */
  export const STRATEGIES = 'tenant-registry.strategies';

  /**
   * The tenant middleware: group `'tenancy'`, after `findRoute`.
   * @example
   * ```ts
   * app.middleware(audit, {upstreamGroups: ['tenancy']}); // runs in the tenant
   * ```
   */
  export const MIDDLEWARE = key<Middleware>('middleware.tenant-registry');

  /**
   * The fallback global interceptor, bound on start only for servers on the
   * legacy `DefaultSequence`; bind your own here to replace it.
   * @example
   * ```ts
   * const bound = app.isBound(TenantRegistryBindings.INTERCEPTOR.key);
   * ```
   */
  export const INTERCEPTOR = key<Interceptor>(
    'globalInterceptors.tenant-registry',
  );

  /**
   * Where the app binds its {@link TenantDataSourceFactory}; it returns
   * `{dataSource, owned: false}` for a DataSource the app owns.
   * @example
   * ```ts
   * app.bind(TenantRegistryBindings.DATASOURCE_FACTORY).to(tenantId =>
   *   new juggler.DataSource({...config, database: tenantIdentifier('shop', tenantId)}));
   * ```
   */
  export const DATASOURCE_FACTORY = key<TenantDataSourceFactory>(
    'tenant-registry.datasource-factory',
  );

  /**
   * The current tenant's DataSource, for repositories; evicted with it.
   * @remarks
   * Its key is `datasources.tenant`, so `@repository(Order, 'tenant')` finds
   * it too; an application DataSource named `tenant` fails start with
   * `TENANT_DATASOURCE_KEY_TAKEN`.
   * @example
   * ```ts
   * constructor(@inject(TenantRegistryBindings.TENANT_DATASOURCE) ds: juggler.DataSource) {
   *   super(Order, ds);
   * }
   * ```
   */
  export const TENANT_DATASOURCE = key<object>('datasources.tenant');

  /**
   * `TENANT_DATASOURCE` outside a tenant (unbound: 400 `TENANT_REQUIRED`).
   * @example
   * ```ts
   * app.bind(TenantRegistryBindings.DEFAULT_DATASOURCE).to(sharedDataSource);
   * ```
   */
  export const DEFAULT_DATASOURCE = key<object>(
    'tenant-registry.default-datasource',
  );

  /** The pool of tenant DataSources behind `TENANT_DATASOURCE`. @internal */
  export const DATASOURCE_POOL = key<TenantDataSourcePool>(
    'tenant-registry.datasource-pool',
  );

  /**
   * The Prometheus metrics (a `prom-client` `Registry` of their own).
   * @example
   * ```ts
   * const metrics = await app.get(TenantRegistryBindings.METRICS);
   * const text = await metrics.metricsText();
   * ```
   */
  export const METRICS = key<TenantRegistryMetrics>('tenant-registry.metrics');

  /**
   * A readiness check (tagged `health.readyCheck`): rejects unless `healthy`.
   * @example
   * ```ts
   * const check = await app.get(TenantRegistryBindings.HEALTH_CHECK);
   * await check(); // throws with the warnings when not healthy
   * ```
   */
  export const HEALTH_CHECK = key<() => Promise<void>>(
    'tenant-registry.health-check',
  );

  /**
   * How tenant events travel between instances: bind a `RedisTenantEvents`.
   * @example
   * ```ts
   * app.bind(TenantRegistryBindings.TENANT_EVENTS).to(new RedisTenantEvents({redis}));
   * ```
   */
  export const TENANT_EVENTS = key<TenantEvents>(
    'tenant-registry.tenant-events',
  );

  /**
   * Tenant schema migrations: migrate a fleet of tenants, create and drop a
   * tenant's schema (see the `schemas` options).
   * @example
   * ```ts
   * const schemas = await app.get(TenantRegistryBindings.TENANT_SCHEMAS);
   * const {failed} = await schemas.migrate(['acme', 'globex']);
   * ```
   */
  export const TENANT_SCHEMAS = key<TenantSchemas>(
    'tenant-registry.tenant-schemas',
  );

  /**
   * Where the app binds its own migration of one tenant, used instead of
   * `autoupdate` of `schemas.models` (set `schemas.version` with it).
   * @example
   * ```ts
   * app.bind(TenantRegistryBindings.TENANT_MIGRATION).to(async (ds, tenantId) => {
   *   await ds.execute('CREATE INDEX IF NOT EXISTS orders_day ON orders (day)');
   * });
   * ```
   */
  export const TENANT_MIGRATION = key<TenantMigration>(
    'tenant-registry.tenant-migration',
  );

  /** The resolved component options (read-only). @internal */
  export const OPTIONS = key<ResolvedTenantRegistryOptions>(
    'tenant-registry.options',
  );

  /** The tenants this instance refuses, in step with the fleet. @internal */
  export const SUSPENDED_TENANTS = key<SuspendedTenants>(
    'tenant-registry.suspended-tenants',
  );

  /** The request handler the middleware and interceptor share. @internal */
  export const REQUEST_HANDLER = key<TenantRequestHandler>(
    'tenant-registry.request-handler',
  );
}
