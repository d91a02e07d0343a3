// Copyright loopback4-tenant-registry contributors. MIT License.

import {extensionFor, type Binding} from '@loopback/core';
import {TenantRegistryBindings} from '../keys';

/**
 * A binding template that registers a tenant resolution strategy, to list by
 * its `name` in the `strategies` option (like `@loopback/authentication`'s
 * `asAuthStrategy`).
 *
 * @param binding - A binding of a `TenantResolutionStrategy`.
 *
 * @example
 * ```ts
 * app.add(createBindingFromClass(CookieTenantStrategy).apply(asTenantStrategy));
 * app.configure(TenantRegistryBindings.COMPONENT).to({strategies: ['cookie']});
 * ```
 */
export function asTenantStrategy<T = unknown>(binding: Binding<T>): Binding<T> {
  return binding
    .apply(extensionFor(TenantRegistryBindings.STRATEGIES))
    .tag({namespace: TenantRegistryBindings.STRATEGIES});
}
