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

// One storage for the whole process. The store is the tenant's count of work
// in flight (which holds its id): reading the tenant is one getStore() and a
// field, and ending the unit of work needs no lookup. On the request path
// each hash lookup skipped saves one or two microseconds on this machine,
// where the tables are out of the CPU caches between requests.
const tenantStorage = new AsyncLocalStorage<TenantLease>();

/**
 * Run `fn` with `tenantId` as the current tenant, and return what it returns.
 *
 * @remarks
 * The tenant follows every `await`, timer and promise started inside `fn`.
 * Nested calls override the tenant and restore the outer one when they return.
 * While `fn` runs (until its promise settles, when it returns one), the tenant
 * has work in flight and is never evicted.
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
  return runInValidTenant(validateTenantId(tenantId), fn);
}

/**
 * `runInTenant` for an id already validated (the request path validates once).
 *
 * @internal
 */
export function runInValidTenant<T>(tenantId: string, fn: () => T): T {
  return runInLeasedTenant(acquireLease(tenantId), fn);
}

/**
 * `runInTenant` for a unit of work already begun (admission begins it): it
 * ends when `fn` returns or its promise settles, or if `fn` throws.
 *
 * @internal
 */
export function runInLeasedTenant<T>(work: TenantLease, fn: () => T): T {
  try {
    return tenantStorage.run(work, runCounted, fn);
  } catch (error: unknown) {
    endLease(work);
    throw error;
  }
}

/**
 * Runs inside the tenant's context: ends the unit of work when `fn` returns,
 * or when its promise settles.
 *
 * @remarks
 * For a native promise (not a subclass, whose `then` may differ) the two
 * handlers are shared functions that read the tenant from the context the
 * reaction runs in (a promise's reactions run in the context where `then`
 * was called), so a request allocates no closure. Both handlers are
 * no-throw, so the derived promise never rejects and cannot become an
 * unhandled rejection; the caller keeps `result` itself.
 *
 * That derived promise is the one promise the request path adds to an
 * application's own (89 for a GET in the bench app, 90 with the component):
 * knowing when `fn`'s promise settles takes a reaction, and a lease that
 * ended earlier (when the response closes) would let a handler that answers
 * first and works on be evicted mid-work.
 */
function runCounted<T>(fn: () => T): T {
  const result = fn();
  if (isNativePromise(result)) {
    result.then(endCurrentTenantWork, endCurrentTenantWork);
  } else if (isThenable(result)) {
    // A foreign thenable may call back in another context: keep the count.
    const work = tenantStorage.getStore()!;
    const done = () => endLease(work);
    result.then(done, done);
  } else {
    endLease(tenantStorage.getStore()!);
  }
  return result;
}

function endCurrentTenantWork(): void {
  const work = tenantStorage.getStore();
  if (work !== undefined) endLease(work);
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
