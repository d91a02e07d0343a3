// Copyright loopback4-tenant-registry contributors. MIT License.

import {extensionFor, type Binding} from '@loopback/core';
import type {IncomingMessage} from 'node:http';
import {TenantRegistryBindings} from '../keys';

/**
 * The request as strategies see it (an Express request is one).
 *
 * @example
 * ```ts
 * class PathTenantStrategy implements TenantResolutionStrategy {
 *   name = 'path';
 *   resolve(request: TenantRequest) {
 *     return /^\/t\/([^/?]+)/.exec(request.url ?? '')?.[1]; // /t/acme/orders
 *   }
 * }
 * ```
 */
export type TenantRequest = Pick<IncomingMessage, 'headers' | 'url'>;

/** A tenant id; `undefined`: ask the next strategy; `null`: no tenant. */
export type TenantStrategyAnswer = string | undefined | null;

/**
 * A way to find the tenant of an HTTP request: register yours with
 * `asTenantStrategy` and list its `name` in the `strategies` option. Answer
 * synchronously when you can (then the request path adds no promise).
 *
 * @example
 * ```ts
 * class CookieTenantStrategy implements TenantResolutionStrategy {
 *   name = 'cookie';
 *   resolve(request: TenantRequest) {
 *     return /tenant=([^;]+)/.exec(request.headers.cookie ?? '')?.[1];
 *   }
 * }
 * ```
 */
export interface TenantResolutionStrategy {
  /** The name listed in the `strategies` option. */
  readonly name: string;
  /**
   * The tenant id the request names (validated afterwards), `undefined` to
   * ask the next strategy, or `null` for no tenant; throw a
   * `TenantRegistryError` to refuse the request.
   */
  resolve(
    request: TenantRequest,
  ): TenantStrategyAnswer | Promise<TenantStrategyAnswer>;
}

/**
 * A binding template that registers a `TenantResolutionStrategy`, to list by
 * its `name` in the `strategies` option (like `asAuthStrategy`).
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
