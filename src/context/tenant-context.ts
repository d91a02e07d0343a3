// Copyright loopback4-tenant-registry contributors. MIT License.

import {AsyncLocalStorage} from 'node:async_hooks';
import {readTenantFallback} from './tenant-fallback';
import {validateTenantId} from './tenant-id';
import {acquireLease, endLease, type TenantLease} from './tenant-lease';

/**
 * The scope used when no tenant is current. It can never pass tenant-id
 * validation (it starts with `@`), so no request can claim it.
 */
export const GLOBAL_TENANT = '@global';

// The store is the tenant's lease, which holds its id: reading the tenant is
// one getStore(), and ending the lease needs no lookup.
const tenantStorage = new AsyncLocalStorage<TenantLease>();

/**
 * Run `fn` with `tenantId` as the current tenant, and return what it returns.
 *
 * @remarks
 * The tenant follows every `await`, timer and promise started inside `fn`.
 * Nested calls override the tenant and restore the outer one when they return.
 * While `fn` runs (until its promise settles, when it returns one), the tenant
 * holds a lease and is never evicted.
 *
 * @param tenantId - A valid tenant id.
 * @param fn - Sync or async work.
 * @returns `fn`'s result, the very same value or promise.
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

/**
 * `runInTenant` for a lease already acquired (admission acquires it): the
 * lease ends when `fn` returns or its promise settles, or if `fn` throws.
 *
 * @internal
 */
export function runInLeasedTenant<T>(lease: TenantLease, fn: () => T): T {
  try {
    return tenantStorage.run(lease, runLeased, fn);
  } catch (error: unknown) {
    endLease(lease);
    throw error;
  }
}

/**
 * Runs inside the tenant's context: ends the lease when `fn` returns, or
 * when its promise settles.
 *
 * @remarks
 * For a native promise (not a subclass, whose `then` may differ) both
 * handlers are one shared function that reads the lease from the context
 * the reaction runs in (a reaction runs in the context where `then` was
 * called), so a request allocates no closure. The handler never throws, so
 * the derived promise never rejects; the caller keeps `result` itself.
 *
 * The lease ends when `fn`'s promise settles, not when the response closes:
 * a handler that answers first and works on must not be evicted mid-work.
 */
function runLeased<T>(fn: () => T): T {
  const result = fn();
  if (isNativePromise(result)) {
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
 * fallback registered with `setTenantFallback` (or a legacy
 * `global.loopbackContext`) is asked; its answer is used only when it is a
 * valid tenant id.
 */
export function getCurrentTenant(): string | undefined {
  return tenantStorage.getStore()?.tenantId ?? readTenantFallback();
}

/**
 * Whether a `runInTenant` context is active here (fallbacks not asked).
 *
 * @internal
 */
export function hasTenantContext(): boolean {
  return tenantStorage.getStore() !== undefined;
}

/**
 * The scope that models are registered in right now: the current tenant, or
 * {@link GLOBAL_TENANT}.
 *
 * @internal
 */
export function getEffectiveScope(): string {
  return getCurrentTenant() ?? GLOBAL_TENANT;
}

function isNativePromise(value: unknown): value is Promise<unknown> {
  return (
    value instanceof Promise &&
    Object.getPrototypeOf(value) === Promise.prototype
  );
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}
