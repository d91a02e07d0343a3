// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';
import {runInLeasedTenant} from '../context/tenant-context';
import type {TenantLease} from '../context/tenant-lease';
import {validateTenantId} from '../context/tenant-id';
import {
  TenantRegistryError,
  admissionUnavailableError,
  tenantCapacityError,
  tenantNotFoundError,
  tenantSuspendedError,
} from '../errors';
import type {SuspendedTenants} from '../fleet/suspended-tenants';
import type {AdmissionOptions} from '../options/tenant-registry-options';
import type {Clock} from '../registry/clock';
import type {ModelRegistry} from '../registry/model-registry';
import type {TenantRequest} from '../resolution/tenant-strategy';

const debug = debugFactory('loopback:tenant-registry:admission');

/**
 * Decides whether a tenant id names a real tenant: bind one at
 * `TenantRegistryBindings.ADMISSION_CHECK`. Its answers are cached (see the
 * `admission` option), so it is asked about once a minute per live tenant.
 *
 * @param tenantId - A validated tenant id.
 * @param request - The HTTP request, when there is one.
 * @returns Whether the tenant exists.
 *
 * @example
 * ```ts
 * app.bind(TenantRegistryBindings.ADMISSION_CHECK).to(
 *   async tenantId => (await tenantRepo.count({id: tenantId})).count > 0,
 * );
 * ```
 */
export type TenantAdmissionCheck = (
  tenantId: string,
  request?: TenantRequest,
) => boolean | Promise<boolean>;

/** Settings of a {@link TenantAdmission}. */
export interface TenantAdmissionSettings extends Required<AdmissionOptions> {
  clock: Clock;
  /** Ids given to `runInTenant` follow it, as request ids do. */
  tenantIdCase?: 'exact' | 'lowercase';
}

/** Options of {@link TenantAdmission.runInTenant}. */
export interface RunInTenantOptions {
  /**
   * Run even while the tenant is suspended: for maintenance jobs that must
   * reach a suspended tenant's data (an export, a purge).
   * @defaultValue false
   */
  allowSuspended?: boolean;
}

/**
 * Admits a tenant before anything is built for it: the admission check
 * (cached, single flight) says whether it exists, then the `maxTenants` cap
 * makes room by evicting the least recently used tenant that is neither
 * leased nor used within the protection window, or refuses.
 *
 * @remarks
 * A refused tenant builds nothing, creates no scope, takes no lease and does
 * not move in the LRU order. The request path calls `admit()`;
 * `runInTenant()` is for jobs, queue consumers and scripts.
 *
 * A check is given `checkTimeout` to answer and at most `maxPendingChecks`
 * tenants are asked about at once: past either, the caller gets 503
 * `TENANT_ADMISSION_UNAVAILABLE` (the check is still asked once per tenant
 * and its late answer is cached). A check that throws or rejects answers
 * the same 503: its backend is down, which says nothing about the tenant.
 */
export class TenantAdmission {
  /** Cached answers: tenant id to expiry (clock milliseconds). */
  private readonly allowed = new Map<string, number>();
  private readonly refused = new Map<string, number>();
  /** Pending checks, one per tenant. */
  private readonly asking = new Map<string, Promise<boolean>>();

  constructor(
    private readonly registry: ModelRegistry,
    private readonly settings: TenantAdmissionSettings,
    private readonly check?: TenantAdmissionCheck,
    private readonly suspended?: SuspendedTenants,
  ) {}

  /**
   * Admit a validated tenant id and acquire a lease on it (a promise of one
   * while the check answers). Run the work with `runInLeasedTenant`, which
   * ends the lease: a lease never ended keeps the tenant from eviction.
   *
   * @throws TenantRegistryError `TENANT_NOT_FOUND`, `TENANT_CAPACITY` or
   * `TENANT_ADMISSION_UNAVAILABLE` (a rejection when asynchronous).
   * @internal
   */
  admit(
    tenantId: string,
    request?: TenantRequest,
  ): TenantLease | Promise<TenantLease> {
    if (this.check === undefined) return this.admitToCapacity(tenantId);
    const now = this.settings.clock.now();
    if ((this.allowed.get(tenantId) ?? 0) > now) {
      return this.admitToCapacity(tenantId);
    }
    if ((this.refused.get(tenantId) ?? 0) > now) return this.notFound(tenantId);
    let answer: boolean | Promise<boolean>;
    try {
      answer = this.ask(tenantId, request);
    } catch (error: unknown) {
      return Promise.reject(this.unavailable(tenantId, error));
    }
    if (typeof answer === 'boolean') return this.settle(tenantId, answer);
    return answer.then(isKnown => this.settle(tenantId, isKnown));
  }

  /**
   * Admit `tenantId` and run `fn` in its context under a lease, with the
   * rules a request meets: a suspended, unknown or unadmittable tenant is
   * refused and `fn` does not run.
   *
   * @param tenantId - A tenant id; it follows `tenantIdCase` as request ids
   * do.
   * @param fn - The work; the tenant is not evicted until it ends.
   * @param options - `allowSuspended` for maintenance jobs.
   * @throws TenantRegistryError `INVALID_TENANT_ID`, `TENANT_SUSPENDED`,
   * `TENANT_NOT_FOUND`, `TENANT_CAPACITY` or `TENANT_ADMISSION_UNAVAILABLE`.
   */
  async runInTenant<T>(
    tenantId: string,
    fn: () => T | Promise<T>,
    options: RunInTenantOptions = {},
  ): Promise<T> {
    let id = validateTenantId(tenantId);
    if (this.settings.tenantIdCase === 'lowercase') id = id.toLowerCase();
    if (options.allowSuspended !== true && this.suspended?.has(id) === true) {
      throw tenantSuspendedError();
    }
    return runInLeasedTenant(await this.admit(id), fn);
  }

  /** Forget cached answers (all, or one tenant's). */
  clearCache(tenantId?: string): void {
    if (tenantId === undefined) {
      this.allowed.clear();
      this.refused.clear();
    } else {
      this.allowed.delete(tenantId);
      this.refused.delete(tenantId);
    }
  }

  /** The check's answer: one call per tenant at a time, within the limits. */
  private ask(
    tenantId: string,
    request: TenantRequest | undefined,
  ): boolean | Promise<boolean> {
    let asking = this.asking.get(tenantId);
    if (asking === undefined) {
      if (this.asking.size >= this.settings.maxPendingChecks) {
        throw this.unavailable(tenantId, 'too many checks pending');
      }
      const answer = this.check!(tenantId, request);
      if (typeof answer === 'boolean') return this.remember(tenantId, answer);
      // Cached when it comes, even if every caller gave up on it.
      asking = Promise.resolve(answer)
        .then(isKnown => this.remember(tenantId, isKnown === true))
        .finally(() => this.asking.delete(tenantId));
      this.asking.set(tenantId, asking);
    }
    return this.awaitAnswer(tenantId, asking);
  }

  /** The check's answer, or 503 once `checkTimeout` has passed. */
  private awaitAnswer(
    tenantId: string,
    asking: Promise<boolean>,
  ): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(this.unavailable(tenantId, 'the check timed out')),
        this.settings.checkTimeout,
      );
      asking.then(
        isKnown => {
          clearTimeout(timer);
          resolve(isKnown);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(this.unavailable(tenantId, error));
        },
      );
    });
  }

  /** A check that did not answer, counted, as a 503. */
  private unavailable(tenantId: string, cause: unknown): unknown {
    if (cause instanceof TenantRegistryError) return cause;
    this.registry.recordAdmission('unavailable');
    debug('tenant %s not checked: %O', tenantId, cause);
    return admissionUnavailableError(
      typeof cause === 'string' ? cause : 'the check failed',
    );
  }

  private remember(tenantId: string, isKnown: boolean): boolean {
    const {cacheTtl, negativeCacheTtl, cacheSize, clock} = this.settings;
    const expiresAt = clock.now() + (isKnown ? cacheTtl : negativeCacheTtl);
    const cache = isKnown ? this.allowed : this.refused;
    cache.delete(tenantId);
    cache.set(tenantId, expiresAt);
    if (cache.size > cacheSize) cache.delete(cache.keys().next().value!);
    return isKnown;
  }

  private settle(tenantId: string, isKnown: boolean): TenantLease {
    return isKnown ? this.admitToCapacity(tenantId) : this.notFound(tenantId);
  }

  private notFound(tenantId: string): never {
    this.registry.recordAdmission('notFound');
    debug('tenant %s refused: not found', tenantId);
    throw tenantNotFoundError();
  }

  private admitToCapacity(tenantId: string): TenantLease {
    const admitted = this.registry.admitTenant(tenantId);
    if (typeof admitted !== 'number') return admitted;
    debug('tenant %s refused: at capacity', tenantId);
    throw tenantCapacityError(Math.max(1, Math.ceil(admitted / 1000)));
  }
}
