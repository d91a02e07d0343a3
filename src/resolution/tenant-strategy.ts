// Copyright loopback4-tenant-registry contributors. MIT License.

import type {IncomingMessage} from 'node:http';

/** The request as strategies see it (an Express request is one). */
export type TenantRequest = Pick<IncomingMessage, 'headers' | 'url'>;

/**
 * What a strategy answers: a tenant id; `undefined` when the request names
 * none this way (the next strategy is asked); or `null` to end resolution
 * with no tenant (later strategies are not asked).
 */
export type TenantStrategyAnswer = string | undefined | null;

/**
 * A way to find the tenant of an HTTP request. Register your own with
 * `asTenantStrategy` and list its `name` in the `strategies` option.
 *
 * @remarks
 * Answer synchronously when you can: when every configured strategy does,
 * the request path adds no promise of its own.
 *
 * @example
 * ```ts
 * class CookieTenantStrategy implements TenantResolutionStrategy {
 *   name = 'cookie';
 *   resolve(request: TenantRequest) {
 *     return /tenant=([^;]+)/.exec(request.headers.cookie ?? '')?.[1];
 *   }
 * }
 * app.add(createBindingFromClass(CookieTenantStrategy).apply(asTenantStrategy));
 * ```
 */
export interface TenantResolutionStrategy {
  /** The name listed in the `strategies` option. */
  readonly name: string;
  /**
   * The tenant id the request names (validated afterwards), `undefined` to
   * let the next strategy answer, or `null` to end resolution without a
   * tenant. Throw a `TenantRegistryError` to refuse the request.
   */
  resolve(
    request: TenantRequest,
  ): TenantStrategyAnswer | Promise<TenantStrategyAnswer>;
}
