// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';
import {isValidTenantId} from './tenant-id';

const debug = debugFactory('loopback:tenant-registry:context');

/**
 * A function that returns the current tenant id from an application's own
 * context (for code that runs outside `runInTenant`).
 */
export type TenantFallback = () => string | undefined;

interface LegacyLoopbackContext {
  getCurrentContext?: () => {get?: (key: string) => unknown} | undefined;
}

// Chosen once (here or by setTenantFallback) and kept: no require() and no
// lookup per call.
let fallback: TenantFallback = legacyLoopbackContextFallback;

/**
 * Plug in an application's own tenant context, asked by `getCurrentTenant()`
 * when no `runInTenant` is active.
 *
 * @param fn - The fallback, or `undefined` to restore the default (the legacy
 * `global.loopbackContext.getCurrentContext().get('tenant')`).
 *
 * @example
 * ```ts
 * setTenantFallback(() => myCls.get('tenantId'));
 * ```
 */
export function setTenantFallback(fn: TenantFallback | undefined): void {
  fallback = fn ?? legacyLoopbackContextFallback;
}

/**
 * Ask the fallback. Never throws: an error or an invalid tenant id is logged
 * and taken as no tenant.
 *
 * @internal
 */
export function readTenantFallback(): string | undefined {
  let value: unknown;
  try {
    value = fallback();
  } catch (error: unknown) {
    debug('tenant fallback threw; using no tenant: %s', error);
    return undefined;
  }
  if (value === undefined || value === null) return undefined;
  if (isValidTenantId(value)) return value;
  debug('tenant fallback returned an invalid tenant id; using no tenant');
  return undefined;
}

function legacyLoopbackContextFallback(): string | undefined {
  const legacy = (globalThis as {loopbackContext?: LegacyLoopbackContext})
    .loopbackContext;
  if (legacy?.getCurrentContext === undefined) return undefined;
  return legacy.getCurrentContext()?.get?.('tenant') as string | undefined;
}
