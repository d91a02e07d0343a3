// Copyright loopback4-tenant-registry contributors. MIT License.

import {
  Binding,
  BindingScope,
  config,
  Context,
  ContextTags,
  CoreBindings,
  createBindingFromClass,
  inject,
  injectable,
  resolveList,
  transformValueOrPromise,
  type BindingAddress,
  type BindingKey,
  type Component,
  type Constructor,
  type ControllerClass,
  type LifeCycleObserver,
} from '@loopback/core';
import {RestBindings} from '@loopback/rest';
import {TenantAdmission} from './admission/tenant-admission';
import {getCurrentTenant} from './context/tenant-context';
import {createDashboardPathBinding} from './controllers/dashboard-path.middleware';
import {createDashboardController} from './controllers/dashboard.controller';
import {createHealthController} from './controllers/health.controller';
import {createMetricsController} from './controllers/metrics.controller';
import {InProcessTenantEvents} from './fleet/tenant-event';
import {SuspendedTenants} from './fleet/suspended-tenants';
import {TenantRegistryBindings as keys} from './keys';
import {TenantRegistryMetrics} from './observability/tenant-metrics';
import {JugglerBridgeObserver} from './observers/juggler-bridge.observer';
import {MetricsObserver} from './observers/metrics.observer';
import {RegistryManager} from './observers/registry-manager.observer';
import {RequestSetupObserver} from './observers/request-setup.observer';
import {TenantEventsObserver} from './observers/tenant-events.observer';
import {resolveOptions} from './options/resolve-options';
import type {
  ResolvedTenantRegistryOptions,
  TenantRegistryOptions,
} from './options/tenant-registry-options';
import {RequiredTenantProvider} from './providers/required-tenant.provider';
import {HealthCheckProvider} from './providers/health-check.provider';
import {TenantDataSourcePoolProvider} from './providers/tenant-datasource-pool.provider';
import {TenantDataSourceProvider} from './providers/tenant-datasource.provider';
import {TenantMiddlewareProvider} from './providers/tenant-middleware.provider';
import {ModelRegistry} from './registry/model-registry';
import {TenantRequestHandler} from './request/tenant-request-handler';
import {TenantSpecEnhancer} from './request/tenant-spec.enhancer';
import {asTenantStrategy} from './resolution/as-tenant-strategy';
import {HeaderTenantStrategy} from './resolution/header.strategy';
import {HostTenantStrategy} from './resolution/host.strategy';
import {JwtTenantStrategy} from './resolution/jwt.strategy';
import {QueryTenantStrategy} from './resolution/query.strategy';
import type {TenantResolutionStrategy} from './resolution/tenant-strategy';
import {TenantAdminService} from './services/tenant-admin.service';

/**
 * Wires the tenant registry into a LoopBack 4 application: the registry, the
 * tenant middleware, admission, the built-in strategies, the lifecycle
 * observers (bridge, cleanup, fleet events), the fleet admin service and the
 * health, metrics and dashboard endpoints.
 *
 * @example
 * ```ts
 * app.configure(TenantRegistryBindings.COMPONENT).to({strategies: ['header']});
 * app.component(TenantRegistryComponent);
 * ```
 */
@injectable({tags: {[ContextTags.KEY]: keys.COMPONENT}})
export class TenantRegistryComponent implements Component {
  bindings: Binding[];
  controllers: ControllerClass[];
  lifeCycleObservers: Constructor<LifeCycleObserver>[] = [
    JugglerBridgeObserver,
    RequestSetupObserver,
    TenantEventsObserver,
    MetricsObserver,
  ];

  /**
   * @param application - The application it is mounted on.
   * @param options - From `app.configure(TenantRegistryBindings.COMPONENT)`.
   * @throws TenantRegistryError `INVALID_OPTION` for a bad option.
   */
  constructor(
    @inject(CoreBindings.APPLICATION_INSTANCE)
    application: Context,
    @config() options: TenantRegistryOptions = {},
  ) {
    const resolved = resolveOptions(options);
    const {SINGLETON, TRANSIENT} = BindingScope;
    this.bindings = [
      Binding.bind(keys.OPTIONS).to(resolved),
      built(
        keys.REGISTRY,
        [keys.OPTIONS],
        o => new ModelRegistry(o, {clock: o.clock}),
      ),
      Binding.bind(keys.CURRENT_TENANT)
        .toDynamicValue(() => getCurrentTenant())
        .inScope(TRANSIENT),
      fromClass(RequiredTenantProvider, keys.REQUIRED_TENANT),
      fromClass(SuspendedTenants, keys.SUSPENDED_TENANTS, SINGLETON),
      built(
        keys.ADMISSION,
        [
          keys.REGISTRY,
          keys.OPTIONS,
          keys.ADMISSION_CHECK,
          keys.SUSPENDED_TENANTS,
        ],
        (registry, o, check, suspended) => {
          const {admission, clock, tenantIdCase} = o;
          const settings = {...admission, clock, tenantIdCase};
          return new TenantAdmission(registry, settings, check, suspended);
        },
      ),
      fromClass(TenantRequestHandler, keys.REQUEST_HANDLER),
      fromClass(TenantMiddlewareProvider, keys.MIDDLEWARE, SINGLETON),
      fromClass(TenantDataSourcePoolProvider, keys.DATASOURCE_POOL),
      fromClass(TenantDataSourceProvider, keys.TENANT_DATASOURCE, TRANSIENT),
      fromClass(InProcessTenantEvents, keys.TENANT_EVENTS, SINGLETON),
      fromClass(TenantAdminService, keys.ADMIN),
      fromClass(RegistryManager, keys.REGISTRY_MANAGER, SINGLETON),
      built(
        keys.METRICS,
        [keys.REGISTRY, keys.REGISTRY_MANAGER, keys.OPTIONS],
        (registry, manager, {metrics: {prefix, registerGlobally}}) => {
          const metrics = new TenantRegistryMetrics(registry, manager, {
            prefix,
          });
          if (registerGlobally) metrics.registerGlobally();
          return metrics;
        },
      ),
      fromClass(HealthCheckProvider, keys.HEALTH_CHECK),
      fromClass(TenantSpecEnhancer, 'tenant-registry.spec-enhancer'),
      ...builtInStrategies(resolved).map(strategyBinding),
    ];
    this.controllers = endpointControllers(resolved);
    if (resolved.dashboard.enabled) {
      this.bindings.push(createDashboardPathBinding(resolved.dashboard.path));
    }
    // strong-error-handler hides every field of a 5xx body but the status
    // and a generic message; keep our stable `code` on 503s too, unless the
    // application configured its own error writer options.
    if (!application.isBound(RestBindings.ERROR_WRITER_OPTIONS.key)) {
      this.bindings.push(
        Binding.bind(RestBindings.ERROR_WRITER_OPTIONS).to({
          safeFields: ['code'],
        }),
      );
    }
  }
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
 * `undefined`), synchronously when they all are.
 */
function built<T, K extends readonly BindingKey<unknown>[]>(
  key: BindingKey<T>,
  dependencies: [...K],
  build: (...values: ValuesOf<K>) => T,
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
        values => build(...(values as ValuesOf<K>)),
      ),
    )
    .inScope(BindingScope.SINGLETON);
}

function builtInStrategies(
  options: ResolvedTenantRegistryOptions,
): TenantResolutionStrategy[] {
  const strategies: TenantResolutionStrategy[] = [
    new HeaderTenantStrategy(options.header),
    new QueryTenantStrategy(options.query),
    new HostTenantStrategy(options.host),
  ];
  if (options.jwt !== undefined) {
    strategies.push(new JwtTenantStrategy(options.jwt));
  }
  return strategies;
}

function strategyBinding(strategy: TenantResolutionStrategy): Binding {
  return Binding.bind(`${keys.STRATEGIES}.${strategy.name}`)
    .to(strategy)
    .apply(asTenantStrategy);
}

function endpointControllers(
  options: ResolvedTenantRegistryOptions,
): ControllerClass[] {
  const controllers: ControllerClass[] = [];
  if (options.health.enabled) controllers.push(createHealthController(options));
  const metricsPath = options.metrics.path;
  if (options.metrics.enabled && metricsPath !== undefined) {
    controllers.push(createMetricsController(options, metricsPath));
  }
  if (options.dashboard.enabled) {
    controllers.push(createDashboardController(options));
  }
  return controllers;
}
