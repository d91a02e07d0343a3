// Copyright loopback4-tenant-registry contributors. MIT License.

import type {IncomingMessage} from 'node:http';

/** The request as strategies see it (an Express request is one). */
export type TenantRequest = Pick<IncomingMessage, 'headers' | 'url'>;

/**
 * A way to find the tenant of an HTTP request. Register your own as an
 * extension of `TenantRegistryBindings.STRATEGIES` and list its `name` in the
 * `strategies` option.
 *
 * @example
 * ```ts
 * class CookieTenantStrategy implements TenantResolutionStrategy {
 *   name = 'cookie';
 *   resolve(request: TenantRequest) {
 *     return /tenant=([^;]+)/.exec(request.headers.cookie ?? '')?.[1];
 *   }
 * }
 * app.add(createBindingFromClass(CookieTenantStrategy)
 *   .apply(extensionFor(TenantRegistryBindings.STRATEGIES)));
 * ```
 */
export interface TenantResolutionStrategy {
  /** The name listed in the `strategies` option. */
  readonly name: string;
  /**
   * The tenant id the request names, or `undefined` when it names none
   * (the next strategy is then tried). The value is validated afterwards;
   * throw a `TenantRegistryError` to refuse the request.
   */
  resolve(
    request: TenantRequest,
  ): string | undefined | Promise<string | undefined>;
}
