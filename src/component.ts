// Copyright loopback4-tenant-registry contributors. MIT License.

import {
  asLifeCycleObserver,
  Binding,
  BindingKey,
  BindingScope,
  config,
  Context,
  ContextTags,
  CoreBindings,
  CoreTags,
  createBindingFromClass,
  inject,
  injectable,
  resolveList,
  transformValueOrPromise,
  type BindingAddress,
  type Component,
  type Constructor,
  type ControllerClass,
  type LifeCycleObserver,
} from '@loopback/core';
import {asMiddleware, RestBindings} from '@loopback/rest';
import {TenantAdmission} from './admission/tenant-admission';
import {getCurrentTenant, getCurrentTenantInfo} from './context/tenant-context';
import {createDashboardPathBinding} from './controllers/dashboard-path.middleware';
import {createDashboardController} from './controllers/dashboard.controller';
import {
  createHealthController,
  createMetricsController,
} from './controllers/observability.controller';
import {
  checkTenantDataSourceKey,
  TENANT_DATASOURCE_TAG,
} from './datasources/tenant-datasource-key';
import {TenantDataSourcePool} from './datasources/tenant-datasource-pool';
import {configuredTooLateError, tenantRequiredError} from './errors';
import {InProcessTenantEvents} from './fleet/tenant-event';
import {SuspendedTenants} from './fleet/suspended-tenants';
import {TenantRegistryBindings as keys} from './keys';
import {checkHealth} from './observability/tenant-health';
import {TenantRegistryMetrics} from './observability/tenant-metrics';
import {RegistryManager} from './observers/registry-manager.observer';
import {SetupObserver} from './observers/setup.observer';
import {TenantEventsObserver} from './observers/tenant-events.observer';
import {resolveOptions} from './options/resolve-options';
import type {TenantRegistryOptions} from './options/tenant-registry-options';
import {ModelRegistry} from './registry/model-registry';
import {toHttpError} from './request/http-errors';
import {routeTenancyPolicy} from './request/tenancy.decorator';
import {TenantRequestHandler} from './request/tenant-request-handler';
import {TenantSpecEnhancer} from './request/tenant-spec.enhancer';
import {HeaderTenantStrategy} from './resolution/header.strategy';
import {HostTenantStrategy} from './resolution/host.strategy';
import {JwtTenantStrategy} from './resolution/jwt.strategy';
import {QueryTenantStrategy} from './resolution/query.strategy';
import {asTenantStrategy} from './resolution/tenant-strategy';
import {
  FirstUseMigrations,
  firstUseTimeout,
} from './schemas/first-use-migration';
import {TenantSchemas} from './schemas/tenant-schemas.service';
import {TenantAdminService} from './services/tenant-admin.service';

/** `schemas.migrateOnFirstUse`'s state; unset when off. @internal */
const FIRST_USE_MIGRATIONS = BindingKey.create<FirstUseMigrations | undefined>(
  'tenant-registry.first-use-migrations',
);

/**
 * Wires the tenant registry into a LoopBack 4 application: the registry, the
 * tenant middleware, admission, the built-in strategies, the lifecycle
 * observers, the fleet admin service and the health, metrics and dashboard
 * endpoints.
 *
 * @example
 * ```ts
 * app.configure(TenantRegistryBindings.COMPONENT).to({strategies: ['header']});
 * app.component(TenantRegistryComponent);
 * ```
 */
@injectable({tags: {[ContextTags.KEY]: keys.COMPONENT}})
export class TenantRegistryComponent implements Component {
  /** The bindings the component adds (see `TenantRegistryBindings`). */
  bindings: Binding[];
  /** The health, metrics and dashboard controllers enabled by the options. */
  controllers: ControllerClass[];
  /** The setup and fleet-events observers (others are tagged bindings). */
  lifeCycleObservers: Constructor<LifeCycleObserver>[] = [
    SetupObserver,
    TenantEventsObserver,
  ];

  /**
   * @throws TenantRegistryError `INVALID_OPTION` for a bad option,
   * `TENANT_DATASOURCE_KEY_TAKEN` when the app bound `datasources.tenant`.
   */
  constructor(
    @inject(CoreBindings.APPLICATION_INSTANCE)
    application: Context,
    @config() options: TenantRegistryOptions = {},
  ) {
    const resolved = resolveOptions(options);
    checkTenantDataSourceKey(application); // else replaced silently
    const {SINGLETON, TRANSIENT} = BindingScope;
    this.bindings = [
      Binding.bind(keys.OPTIONS).to(resolved),
      // The resolved options carry the clock seam, ModelRegistry's second.
      built(keys.REGISTRY, [keys.OPTIONS], o => new ModelRegistry(o, o)),
      Binding.bind(keys.CURRENT_TENANT)
        .toDynamicValue(() => getCurrentTenant())
        .inScope(TRANSIENT),
      Binding.bind(keys.REQUIRED_TENANT)
        .toDynamicValue(requiredTenant)
        .inScope(TRANSIENT),
      Binding.bind(keys.CURRENT_TENANT_INFO)
        .toDynamicValue(() => getCurrentTenantInfo())
        .inScope(TRANSIENT),
      fromClass(SuspendedTenants, keys.SUSPENDED_TENANTS, SINGLETON),
      built(
        keys.ADMISSION,
        [
          keys.REGISTRY,
          keys.OPTIONS,
          keys.ADMISSION_CHECK,
          keys.SUSPENDED_TENANTS,
        ],
        (registry, {admission, clock, tenantIdCase}, check, suspended) => {
          const settings = {...admission, clock, tenantIdCase};
          return new TenantAdmission(registry, settings, check, suspended);
        },
      ),
      fromClass(TenantRequestHandler, keys.REQUEST_HANDLER),
      // After route lookup, before authentication and method invocation, so
      // that controllers and repositories are built in the tenant's context.
      built(
        keys.MIDDLEWARE,
        [keys.REQUEST_HANDLER],
        handler => (context, next) =>
          handler.handle(
            context.request,
            context.response,
            next,
            routeTenancyPolicy(context),
          ),
      ).apply(
        asMiddleware({
          group: 'tenancy',
          upstreamGroups: ['cors', 'findRoute'],
          downstreamGroups: ['authentication', 'parseParams', 'invokeMethod'],
        }),
      ),
      // Its stop() closes every tenant DataSource, after the server's. The
      // factory is read on first use: it may be bound after `app.start()`.
      built(
        keys.DATASOURCE_POOL,
        [keys.REGISTRY, keys.OPTIONS],
        (registry, {dataSources, disconnectTimeout}, context) => {
          const limits = {...dataSources, disconnectTimeout};
          const factory = {
            get: () => context.get(keys.DATASOURCE_FACTORY, {optional: true}),
          };
          return new TenantDataSourcePool(registry, factory, limits);
        },
      )
        .apply(asLifeCycleObserver)
        .tag({[CoreTags.LIFE_CYCLE_OBSERVER_GROUP]: 'tenant-registry'}),
      Binding.bind(keys.TENANT_DATASOURCE)
        .toDynamicValue(({context}) => tenantDataSource(context))
        .inScope(TRANSIENT)
        .tag(TENANT_DATASOURCE_TAG),
      built(
        keys.TENANT_SCHEMAS,
        [keys.REGISTRY, keys.DATASOURCE_POOL, keys.OPTIONS, keys.ADMIN],
        (registry, pool, o, admin, context) => {
          const migration = {
            get: () => context.get(keys.TENANT_MIGRATION, {optional: true}),
          };
          return new TenantSchemas(registry, pool, o, migration, admin);
        },
      )
        .apply(asLifeCycleObserver)
        // Its stop() waits for the tenants in progress; groups stop in
        // reverse alphabetical order: before the pool's `tenant-registry`.
        .tag({[CoreTags.LIFE_CYCLE_OBSERVER_GROUP]: 'tenant-schemas'}),
      built(
        FIRST_USE_MIGRATIONS,
        [keys.TENANT_SCHEMAS, keys.OPTIONS],
        (schemas, {schemas: settings, clock}) => {
          const timeout = firstUseTimeout(settings.migrateOnFirstUse);
          if (timeout === undefined) return undefined;
          return new FirstUseMigrations(schemas, timeout, clock);
        },
      ),
      fromClass(InProcessTenantEvents, keys.TENANT_EVENTS, SINGLETON),
      fromClass(TenantAdminService, keys.ADMIN),
      fromClass(RegistryManager, keys.REGISTRY_MANAGER, SINGLETON),
      built(
        keys.METRICS,
        [
          keys.REGISTRY,
          keys.REGISTRY_MANAGER,
          keys.OPTIONS,
          keys.TENANT_SCHEMAS,
        ],
        (registry, manager, {metrics}, schemas) => {
          const created = new TenantRegistryMetrics(
            registry,
            manager,
            metrics,
            schemas,
          );
          if (metrics.registerGlobally) created.registerGlobally();
          return created;
        },
      ),
      built(
        keys.HEALTH_CHECK,
        [keys.REGISTRY_MANAGER, keys.OPTIONS],
        (manager, o) => async () => {
          // One tenant's failed migration does not take the instance out
          // of rotation: schema warnings show in the health endpoint only.
          const stats = {...manager.getStats(), schemas: undefined};
          const {status, warnings} = checkHealth(stats, o.health);
          if (status !== 'healthy') {
            throw new Error(`tenant registry: ${warnings.join('; ')}`);
          }
        },
      ).tag('health.readyCheck'),
      fromClass(TenantSpecEnhancer, 'tenant-registry.spec-enhancer'),
      ...[
        new HeaderTenantStrategy(resolved.header),
        new QueryTenantStrategy(resolved.query),
        new HostTenantStrategy(resolved.host),
        ...(resolved.jwt ? [new JwtTenantStrategy(resolved.jwt)] : []),
      ].map(strategy =>
        Binding.bind(`${keys.STRATEGIES}.${strategy.name}`)
          .to(strategy)
          .apply(asTenantStrategy),
      ),
    ];
    const {health, metrics, dashboard} = resolved;
    this.controllers = [
      ...(health.enabled ? [createHealthController(resolved)] : []),
      ...(metrics.enabled && metrics.path !== undefined
        ? [createMetricsController(resolved, metrics.path)]
        : []),
      ...(dashboard.enabled ? [createDashboardController(resolved)] : []),
    ];
    if (dashboard.enabled) {
      this.bindings.push(createDashboardPathBinding(dashboard.path));
    }
    // strong-error-handler hides every field of a 5xx body but the status
    // and a generic message; keep our stable `code` on 503s too.
    const errorWriter = RestBindings.ERROR_WRITER_OPTIONS;
    this.bindings.push(Binding.bind(errorWriter).to({safeFields: ['code']}));
    // What the application bound before app.component() wins over our
    // defaults (a Redis TENANT_EVENTS, its own error writer options); what
    // it binds later replaces ours the LoopBack way.
    this.bindings = this.bindings.filter(b => !application.isBound(b.key));
    refuseLateConfiguration(application);
  }
}

/**
 * The options were read above, once: configuring the component later would
 * silently do nothing, so it throws from `app.configure(...)` or `.to(...)`.
 */
function refuseLateConfiguration(application: Context): void {
  const configKey = BindingKey.buildKeyForConfig(keys.COMPONENT).toString();
  const refuse = () => {
    throw configuredTooLateError();
  };
  application
    .getBinding(configKey, {optional: true})
    ?.on('changed', ({operation}) => {
      if (operation === 'value') refuse();
    });
  application.on('bind', ({binding}) => {
    if (binding.key === configKey) refuse();
  });
}

function fromClass(
  valueClass: Constructor<unknown>,
  key: BindingAddress,
  defaultScope?: BindingScope,
): Binding {
  return createBindingFromClass(valueClass, {key, defaultScope});
}

type ValuesOf<K extends readonly unknown[]> = {
  [I in keyof K]: K[I] extends BindingKey<infer V> ? V : never;
};

/**
 * A singleton built from the values of other bindings (unbound ones are
 * `undefined`) and its context, synchronously when they all are.
 */
function built<T, K extends readonly BindingKey<unknown>[]>(
  key: BindingKey<T>,
  dependencies: [...K],
  build: (...values: [...ValuesOf<K>, Context]) => T,
): Binding<T> {
  return Binding.bind(key)
    .toDynamicValue(({context, options}) =>
      transformValueOrPromise(
        resolveList(dependencies, dependency =>
          context.getValueOrPromise(dependency, {
            session: options.session,
            optional: true,
          }),
        ),
        values => build(...(values as ValuesOf<K>), context),
      ),
    )
    .inScope(BindingScope.SINGLETON);
}

/** The current tenant id, or 400 `TENANT_REQUIRED`. */
function requiredTenant(): string {
  const tenantId = getCurrentTenant();
  if (tenantId === undefined) throw toHttpError(tenantRequiredError());
  return tenantId;
}

/**
 * The current tenant's DataSource, held by the response until it closes;
 * outside a tenant, `DEFAULT_DATASOURCE` or 400 `TENANT_REQUIRED`.
 */
async function tenantDataSource(context: Context): Promise<object> {
  const tenantId = getCurrentTenant();
  const optional = {optional: true};
  if (tenantId === undefined) {
    const fallback = await context.get(keys.DEFAULT_DATASOURCE, optional);
    if (fallback !== undefined) return fallback;
    throw toHttpError(tenantRequiredError());
  }
  const response = await context.get(RestBindings.Http.RESPONSE, optional);
  const pool = await context.get(keys.DATASOURCE_POOL);
  try {
    const dataSource = await pool.get(tenantId, response);
    const firstUse = await context.get(FIRST_USE_MIGRATIONS, optional);
    await firstUse?.ensureCurrent(tenantId, dataSource);
    return dataSource;
  } catch (error: unknown) {
    throw toHttpError(error, response); // 503, with Retry-After
  }
}
