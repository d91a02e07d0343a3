// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';
import {isValidTenantId} from './tenant-id';

const debug = debugFactory('loopback:tenant-registry:context');

/**
 * A function that returns the current tenant id from an application's own
 * context (for code that runs outside `runInTenant`).
 */
export type TenantFallback = () => string | undefined;

/** Counters of the fallback path, for diagnostics. */
export interface TenantFallbackStats {
  /** Calls to the fallback. */
  calls: number;
  /** Calls that threw (the error is swallowed and `undefined` used). */
  errors: number;
  /** Calls that returned something that is not a valid tenant id. */
  rejected: number;
}

interface LegacyLoopbackContext {
  getCurrentContext?: () => {get?: (key: string) => unknown} | undefined;
}

// The fallback is chosen once (here or by setTenantFallback) and kept: no
// require() and no lookup per call, unlike the juggler-level registry this
// package replaces.
let fallback: TenantFallback = legacyLoopbackContextFallback;
const stats: TenantFallbackStats = {calls: 0, errors: 0, rejected: 0};

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

/** A copy of the fallback counters. */
export function getTenantFallbackStats(): TenantFallbackStats {
  return {...stats};
}

/**
 * Ask the fallback. Never throws.
 *
 * @internal
 */
export function readTenantFallback(): string | undefined {
  stats.calls++;
  let value: unknown;
  try {
    value = fallback();
  } catch (error: unknown) {
    stats.errors++;
    debug('tenant fallback threw; using no tenant: %s', error);
    return undefined;
  }
  if (value === undefined || value === null) return undefined;
  if (isValidTenantId(value)) return value;
  stats.rejected++;
  debug('tenant fallback returned an invalid tenant id; using no tenant');
  return undefined;
}

function legacyLoopbackContextFallback(): string | undefined {
  const legacy = (globalThis as {loopbackContext?: LegacyLoopbackContext})
    .loopbackContext;
  if (legacy?.getCurrentContext === undefined) return undefined;
  return legacy.getCurrentContext()?.get?.('tenant') as string | undefined;
}
