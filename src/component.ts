// Copyright loopback4-tenant-registry contributors. MIT License.

import {
  Binding,
  BindingScope,
  config,
  Context,
  ContextTags,
  CoreBindings,
  inject,
  createBindingFromClass,
  extensionFor,
  injectable,
  type Component,
  type ControllerClass,
} from '@loopback/core';
import {RestBindings} from '@loopback/rest';
import {createDashboardController} from './controllers/dashboard.controller';
import {observabilityRouteBindings} from './controllers/observability.routes';
import {getCurrentTenant} from './context/tenant-context';
import {InProcessTenantEvents} from './events/in-process-tenant-events';
import {TenantRegistryBindings} from './keys';
import {checkHealth} from './observability/tenant-health';
import {TenantRegistryMetrics} from './observability/tenant-metrics';
import {RegistryManager} from './observers/registry-manager.observer';
import {
  TenantDataSourceCacheProvider,
  TenantDataSourceProvider,
} from './providers/tenant-datasource.provider';
import {TenantMiddlewareProvider} from './providers/tenant-middleware.provider';
import {TenantRequestHandler} from './providers/tenant-request-handler';
import {ModelRegistry} from './registry/model-registry';
import {HeaderTenantStrategy} from './resolution/header.strategy';
import {HostTenantStrategy} from './resolution/host.strategy';
import {JwtTenantStrategy} from './resolution/jwt.strategy';
import {QueryTenantStrategy} from './resolution/query.strategy';
import type {TenantResolutionStrategy} from './resolution/tenant-strategy';
import {resolveOptions, type TenantRegistryOptions} from './types';

/**
 * Wires the tenant registry into a LoopBack 4 application: the registry, the
 * tenant resolution middleware and interceptor, the built-in strategies and
 * the cleanup lifecycle observer.
 *
 * @example
 * ```ts
 * app.configure(TenantRegistryBindings.COMPONENT).to({strategies: ['header']});
 * app.component(TenantRegistryComponent);
 * ```
 */
@injectable({tags: {[ContextTags.KEY]: TenantRegistryBindings.COMPONENT}})
export class TenantRegistryComponent implements Component {
  bindings: Binding[];
  controllers?: ControllerClass[];

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
    this.bindings = [
      Binding.bind(TenantRegistryBindings.OPTIONS).to(resolved),
      Binding.bind(TenantRegistryBindings.REGISTRY)
        .toDynamicValue(
          () =>
            new ModelRegistry({
              clock: resolved.clock,
              disconnectTimeout: resolved.disconnectTimeout,
            }),
        )
        .inScope(BindingScope.SINGLETON),
      Binding.bind(TenantRegistryBindings.CURRENT_TENANT)
        .toDynamicValue(() => getCurrentTenant())
        .inScope(BindingScope.TRANSIENT),
      createBindingFromClass(TenantRequestHandler, {
        key: TenantRegistryBindings.REQUEST_HANDLER,
        defaultScope: BindingScope.SINGLETON,
      }),
      createBindingFromClass(TenantMiddlewareProvider, {
        key: TenantRegistryBindings.MIDDLEWARE,
        defaultScope: BindingScope.SINGLETON,
      }),
      createBindingFromClass(TenantDataSourceCacheProvider, {
        key: TenantRegistryBindings.TENANT_DATASOURCES,
        defaultScope: BindingScope.SINGLETON,
      }),
      createBindingFromClass(TenantDataSourceProvider, {
        key: TenantRegistryBindings.TENANT_DATASOURCE,
        defaultScope: BindingScope.TRANSIENT,
      }),
      Binding.bind(TenantRegistryBindings.TENANT_EVENTS)
        .toClass(InProcessTenantEvents)
        .inScope(BindingScope.SINGLETON),
      createBindingFromClass(RegistryManager, {
        key: TenantRegistryBindings.REGISTRY_MANAGER,
        defaultScope: BindingScope.SINGLETON,
      }),
      Binding.bind(TenantRegistryBindings.METRICS)
        .toDynamicValue(async ({context}) => {
          const metrics = new TenantRegistryMetrics(
            await context.get(TenantRegistryBindings.REGISTRY),
            {prefix: resolved.metrics.prefix},
          );
          if (resolved.metrics.registerGlobally) metrics.registerGlobally();
          return metrics;
        })
        .inScope(BindingScope.SINGLETON),
      Binding.bind(TenantRegistryBindings.HEALTH_CHECK)
        .toDynamicValue(({context}) => async () => {
          const registry = await context.get(TenantRegistryBindings.REGISTRY);
          const health = checkHealth(registry.getStats(), resolved.health);
          if (health.status !== 'healthy') {
            throw new Error(`tenant registry: ${health.warnings.join('; ')}`);
          }
        })
        .tag('health.readyCheck'),
      ...observabilityRouteBindings(application, resolved),
      strategyBinding(new HeaderTenantStrategy(resolved.header)),
      strategyBinding(new QueryTenantStrategy(resolved.query)),
      strategyBinding(new HostTenantStrategy(resolved.host)),
      ...(resolved.strategies.includes('jwt') && resolved.jwt
        ? [strategyBinding(new JwtTenantStrategy(resolved.jwt))]
        : []),
    ];
    if (resolved.dashboard.enabled) {
      this.controllers = [createDashboardController(resolved.dashboard.path)];
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

function strategyBinding(strategy: TenantResolutionStrategy): Binding {
  return Binding.bind(`${TenantRegistryBindings.STRATEGIES}.${strategy.name}`)
    .to(strategy)
    .apply(extensionFor(TenantRegistryBindings.STRATEGIES));
}
