// Copyright loopback4-tenant-registry contributors. MIT License.

import {AsyncLocalStorage} from 'node:async_hooks';
import {readTenantFallback} from './tenant-fallback';
import {validateTenantId} from './tenant-id';
import {beginTenantWork, endTenantWork} from './tenant-work';

/**
 * The scope used when no tenant is current. It can never pass tenant-id
 * validation (it starts with `@`), so no request can claim it.
 */
export const GLOBAL_TENANT = '@global';

// One storage for the whole process: every copy of the store is a plain
// string, so reading the tenant is a single getStore() (about 12 ns here).
const tenantStorage = new AsyncLocalStorage<string>();

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
  beginTenantWork(tenantId);
  let result: T;
  try {
    result = tenantStorage.run(tenantId, fn);
  } catch (error: unknown) {
    endTenantWork(tenantId);
    throw error;
  }
  if (isThenable(result)) {
    const done = () => endTenantWork(tenantId);
    // Both handlers are no-throw, so this derived promise never rejects and
    // cannot become an unhandled rejection; the caller keeps `result` itself.
    result.then(done, done);
  } else {
    endTenantWork(tenantId);
  }
  return result;
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
  return tenantStorage.getStore() ?? readTenantFallback();
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

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}
