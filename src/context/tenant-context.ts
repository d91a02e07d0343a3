// Copyright loopback4-tenant-registry contributors. MIT License.

import {AsyncLocalStorage} from 'node:async_hooks';
import debugFactory from 'debug';
import {isValidTenantId, validateTenantId} from './tenant-id';
import {acquireLease, endLease, type TenantLease} from './tenant-lease';

const debug = debugFactory('loopback:tenant-registry:context');

/**
 * The scope used when no tenant is current. It starts with `@`, so it never
 * passes tenant-id validation and no request can claim it.
 */
export const GLOBAL_TENANT = '@global';

/**
 * Returns the current tenant id from an application's own context, for code
 * that runs outside `runInTenant`.
 */
export type TenantFallback = () => string | undefined;

// The store is the tenant's lease, which holds its id: reading the tenant is
// one getStore(), and ending the lease needs no lookup.
const tenantStorage = new AsyncLocalStorage<TenantLease>();
// Chosen once and kept: no require() and no lookup per call.
let fallback: TenantFallback = legacyLoopbackContextFallback;

/**
 * Run `fn` with `tenantId` as the current tenant and return its result (the
 * same value or promise).
 *
 * @remarks
 * The tenant follows every `await`, timer and promise started inside `fn`;
 * nested calls override it and restore the outer one. Until `fn` returns, or
 * its promise settles, the tenant holds a lease and is never evicted.
 *
 * @throws TenantRegistryError `INVALID_TENANT_ID` for a bad id; `fn` then
 * does not run.
 *
 * @example
 * ```ts
 * await runInTenant('acme', () => orderRepository.find());
 * ```
 */
export function runInTenant<T>(tenantId: string, fn: () => T): T {
  return runInLeasedTenant(acquireLease(validateTenantId(tenantId)), fn);
}

/** `runInTenant` for a lease already acquired; the lease ends with `fn`. */
export function runInLeasedTenant<T>(lease: TenantLease, fn: () => T): T {
  try {
    return tenantStorage.run(lease, runLeased, fn);
  } catch (error: unknown) {
    endLease(lease);
    throw error;
  }
}

// A native promise (not a subclass, whose `then` may differ) gets one shared
// handler that reads the lease from the context its reaction runs in, so a
// request allocates no closure; it never throws, so the derived promise never
// rejects. The lease ends when the promise settles, not when the response
// closes: a handler that answers first and works on must not be evicted.
function runLeased<T>(fn: () => T): T {
  const result = fn();
  if (
    result instanceof Promise &&
    Object.getPrototypeOf(result) === Promise.prototype
  ) {
    result.then(endCurrentLease, endCurrentLease);
  } else if (isThenable(result)) {
    // A foreign thenable may call back in another context: keep the lease.
    const lease = tenantStorage.getStore()!;
    const end = () => endLease(lease);
    result.then(end, end);
  } else {
    endLease(tenantStorage.getStore()!);
  }
  return result;
}

function endCurrentLease(): void {
  const lease = tenantStorage.getStore();
  if (lease !== undefined) endLease(lease);
}

/**
 * The current tenant id, or `undefined` when none is set.
 *
 * @remarks
 * Inside `runInTenant` this is one AsyncLocalStorage read. Outside, the
 * fallback set with `setTenantFallback` (by default a legacy
 * `global.loopbackContext`) is asked; only a valid tenant id is used.
 *
 * @example
 * ```ts
 * const tenantId = getCurrentTenant() ?? 'none';
 * ```
 */
export function getCurrentTenant(): string | undefined {
  return tenantStorage.getStore()?.tenantId ?? readTenantFallback();
}

/** Whether a `runInTenant` context is active here (fallback not asked). */
export function hasTenantContext(): boolean {
  return tenantStorage.getStore() !== undefined;
}

/** The scope models are registered in now: the tenant, or GLOBAL_TENANT. */
export function getEffectiveScope(): string {
  return getCurrentTenant() ?? GLOBAL_TENANT;
}

/**
 * Plug in an application's own tenant context, asked by `getCurrentTenant()`
 * when no `runInTenant` is active; `undefined` restores the default (the
 * legacy `global.loopbackContext.getCurrentContext().get('tenant')`).
 *
 * @example
 * ```ts
 * setTenantFallback(() => myCls.get('tenantId'));
 * ```
 */
export function setTenantFallback(fn: TenantFallback | undefined): void {
  fallback = fn ?? legacyLoopbackContextFallback;
}

// Never throws: an error or an invalid id is logged and means no tenant.
function readTenantFallback(): string | undefined {
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

interface LegacyLoopbackContext {
  getCurrentContext?: () => {get?: (key: string) => unknown} | undefined;
}

function legacyLoopbackContextFallback(): string | undefined {
  const legacy = (globalThis as {loopbackContext?: LegacyLoopbackContext})
    .loopbackContext;
  if (legacy?.getCurrentContext === undefined) return undefined;
  return legacy.getCurrentContext()?.get?.('tenant') as string | undefined;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}
