// Copyright loopback4-tenant-registry contributors. MIT License.

import {AsyncLocalStorage} from 'node:async_hooks';
import debugFactory from 'debug';
import {tenantRequiredError} from '../errors';
import {isValidTenantId, validateTenantId} from './tenant-id';
import {acquireLease, endLease, type TenantLease} from './tenant-lease';

const debug = debugFactory('loopback:tenant-registry:context');

/**
 * The scope when no tenant is current; `@` keeps it from any request.
 *
 * @example
 * ```ts
 * // A lookup in the global scope, wherever it runs:
 * const Address = registry.findModelByStructure({street: String}, undefined, GLOBAL_TENANT);
 * ```
 */
export const GLOBAL_TENANT = '@global';

/** Reads the tenant id from an application's own context. */
export type TenantFallback = () => string | undefined;

// The store is the tenant's lease, which holds its id: reading the tenant is
// one getStore(), and ending the lease needs no lookup. NO_TENANT marks a
// request that named no tenant where one is required: asking it for its
// tenant throws.
const NO_TENANT = Object.freeze({}) as TenantLease;
const tenantStorage = new AsyncLocalStorage<TenantLease>();
// A second store, run only for a tenant whose admission check returned a
// record: tenants without one pay nothing. Tagged with its tenant id, so work
// moved to another tenant (a nested runInTenant) never sees it.
const infoStorage = new AsyncLocalStorage<TenantInfoEntry>();
let fallback: TenantFallback = legacyLoopbackContextFallback;

/**
 * Run `fn` with `tenantId` as the current tenant (across its `await`s,
 * timers and promises) and return its result. Until `fn` returns or its
 * promise settles, the tenant holds a lease and is never evicted.
 *
 * @throws TenantRegistryError `INVALID_TENANT_ID`; `fn` then does not run.
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
 * What the admission check returned for a tenant (its record), tagged with
 * the tenant's id. @internal
 */
export interface TenantInfoEntry {
  readonly tenantId: string;
  readonly info: object;
}

/**
 * `runInTenant` for a lease already acquired; the lease ends with `fn`.
 * `info`, when given, is what `getCurrentTenantInfo()` answers in `fn`.
 */
export function runInLeasedTenant<T>(
  lease: TenantLease,
  fn: () => T,
  info?: TenantInfoEntry,
): T {
  try {
    return tenantStorage.run(lease, runLeased, fn, info);
  } catch (error: unknown) {
    endLease(lease);
    throw error;
  }
}

// A native promise gets one shared handler reading the lease from the context
// its reaction runs in: no closure per request. The lease ends when it settles,
// not when the response closes: a handler may answer first and work on.
function runLeased<T>(fn: () => T, info: TenantInfoEntry | undefined): T {
  const result = info === undefined ? fn() : infoStorage.run(info, fn);
  if (
    result instanceof Promise &&
    Object.getPrototypeOf(result) === Promise.prototype
  ) {
    result.then(endCurrentLease, endCurrentLease);
  } else if (
    (typeof result === 'object' || typeof result === 'function') &&
    typeof (result as PromiseLike<unknown> | null)?.then === 'function'
  ) {
    // A subclass or foreign thenable may call back in another context.
    const lease = tenantStorage.getStore()!;
    const end = () => endLease(lease);
    (result as PromiseLike<unknown>).then(end, end);
  } else {
    endLease(tenantStorage.getStore()!);
  }
  return result;
}

/**
 * Run `fn` (a request that named no tenant, under `requireTenant`) so that
 * whatever asks it for its tenant gets `TENANT_REQUIRED`; juggler's models
 * built in it stay in the global scope.
 */
export function runRequiringTenant<T>(fn: () => T): T {
  return tenantStorage.run(NO_TENANT, fn);
}

function endCurrentLease(): void {
  const lease = tenantStorage.getStore();
  if (lease !== undefined) endLease(lease);
}

/**
 * The current tenant id: one AsyncLocalStorage read inside `runInTenant`,
 * else the fallback's answer when it is a valid id, else `undefined`.
 *
 * @throws TenantRegistryError `TENANT_REQUIRED` in a request that named no
 * tenant when the component's `requireTenant` is on.
 *
 * @example
 * ```ts
 * const tenantId = getCurrentTenant() ?? 'none';
 * ```
 */
export function getCurrentTenant(): string | undefined {
  const lease = tenantStorage.getStore();
  if (lease === undefined) return readTenantFallback();
  if (lease === NO_TENANT) throw tenantRequiredError();
  return lease.tenantId;
}

/**
 * The current tenant's info: the record the admission check returned for it
 * (see `TenantAdmissionCheck`), the same object for every request until the
 * cached answer ends; treat it as read-only.
 *
 * @remarks `undefined` outside a tenant, when the check answered `true` or
 * none is bound, and in `runInTenant()` (which skips admission; inside a
 * request it keeps the request's info while the tenant stays the same).
 * `TenantAdmission.runInTenant()` admits, so its `fn` has the info.
 *
 * @throws TenantRegistryError `TENANT_REQUIRED` where `getCurrentTenant()`
 * throws it (a request that named no tenant, under `requireTenant`).
 *
 * @example
 * ```ts
 * const plan = getCurrentTenantInfo<MyTenant>()?.plan ?? 'free';
 * ```
 */
export function getCurrentTenantInfo<T extends object = object>():
  T | undefined {
  const lease = tenantStorage.getStore();
  if (lease === undefined) return undefined;
  if (lease === NO_TENANT) throw tenantRequiredError();
  const entry = infoStorage.getStore();
  return entry?.tenantId === lease.tenantId ? (entry.info as T) : undefined;
}

export function hasTenantContext(): boolean {
  return tenantStorage.getStore() !== undefined;
}

/** The current tenant, else the global scope; never throws. */
export function getEffectiveScope(): string {
  const lease = tenantStorage.getStore();
  if (lease === undefined) return readTenantFallback() ?? GLOBAL_TENANT;
  return lease === NO_TENANT ? GLOBAL_TENANT : lease.tenantId;
}

/**
 * Set what `getCurrentTenant()` asks outside `runInTenant`; `undefined`
 * restores the default, `global.loopbackContext` (LoopBack 3).
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
  try {
    const value: unknown = fallback();
    if (isValidTenantId(value)) return value;
    if (value !== undefined && value !== null) {
      debug('tenant fallback returned an invalid tenant id; using no tenant');
    }
  } catch (error: unknown) {
    debug('tenant fallback threw; using no tenant: %s', error);
  }
  return undefined;
}

function legacyLoopbackContextFallback(): string | undefined {
  const legacy = (globalThis as {loopbackContext?: LegacyLoopbackContext})
    .loopbackContext;
  return legacy?.getCurrentContext?.()?.get?.('tenant') as string | undefined;
}

interface LegacyLoopbackContext {
  getCurrentContext?: () => {get?: (key: string) => unknown} | undefined;
}
