// Copyright loopback4-tenant-registry contributors. MIT License.

import {
  Binding,
  BindingScope,
  config,
  ContextTags,
  createBindingFromClass,
  extensionFor,
  injectable,
  type Component,
} from '@loopback/core';
import {getCurrentTenant} from './context/tenant-context';
import {TenantInterceptorProvider} from './interceptors/tenant.interceptor';
import {TenantRegistryBindings} from './keys';
import {RegistryManager} from './observers/registry-manager.observer';
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
   * @param options - From `app.configure(TenantRegistryBindings.COMPONENT)`.
   * @throws TenantRegistryError `INVALID_OPTION` for a bad option.
   */
  constructor(@config() options: TenantRegistryOptions = {}) {
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
  }
}

function strategyBinding(strategy: TenantResolutionStrategy): Binding {
  return Binding.bind(`${TenantRegistryBindings.STRATEGIES}.${strategy.name}`)
    .to(strategy)
    .apply(extensionFor(TenantRegistryBindings.STRATEGIES));
}
