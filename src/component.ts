// Copyright loopback4-tenant-registry contributors. MIT License.

import {
  Binding,
  BindingScope,
  config,
  ContextTags,
  CoreBindings,
  inject,
  createBindingFromClass,
  extensionFor,
  injectable,
  type Component,
} from '@loopback/core';
import {RestBindings} from '@loopback/rest';
import {getCurrentTenant} from './context/tenant-context';
import {TenantInterceptorProvider} from './interceptors/tenant.interceptor';
import {TenantRegistryBindings} from './keys';
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

  /**
   * @param application - The application it is mounted on.
   * @param options - From `app.configure(TenantRegistryBindings.COMPONENT)`.
   * @throws TenantRegistryError `INVALID_OPTION` for a bad option.
   */
  constructor(
    @inject(CoreBindings.APPLICATION_INSTANCE)
    application: {isBound(key: string): boolean},
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
      }),
      createBindingFromClass(TenantInterceptorProvider, {
        key: TenantRegistryBindings.INTERCEPTOR,
      }),
      createBindingFromClass(TenantDataSourceCacheProvider, {
        key: TenantRegistryBindings.TENANT_DATASOURCES,
        defaultScope: BindingScope.SINGLETON,
      }),
      createBindingFromClass(TenantDataSourceProvider, {
        key: TenantRegistryBindings.TENANT_DATASOURCE,
        defaultScope: BindingScope.TRANSIENT,
      }),
      createBindingFromClass(RegistryManager, {
        key: TenantRegistryBindings.REGISTRY_MANAGER,
        defaultScope: BindingScope.SINGLETON,
      }),
      strategyBinding(new HeaderTenantStrategy(resolved.header)),
      strategyBinding(new QueryTenantStrategy(resolved.query)),
      strategyBinding(new HostTenantStrategy(resolved.host)),
      ...(resolved.strategies.includes('jwt') && resolved.jwt
        ? [strategyBinding(new JwtTenantStrategy(resolved.jwt))]
        : []),
    ];
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
