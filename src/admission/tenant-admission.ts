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
 * Says whether a validated tenant id names a real tenant (`request` is the
 * HTTP request, when there is one): bind one at
 * `TenantRegistryBindings.ADMISSION_CHECK`. Its answers are cached (the
 * `admission` option), so it is asked about once a minute per live tenant.
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

export interface TenantAdmissionSettings extends Required<AdmissionOptions> {
  clock: Clock;
  /** Ids given to `runInTenant` follow it, as request ids do. */
  tenantIdCase?: 'exact' | 'lowercase';
}

/**
 * Admits a tenant before anything is built for it: the admission check
 * (cached, single flight) says whether it exists, then the `maxTenants` cap
 * evicts the least recently used tenant that is neither leased nor
 * protected, or refuses. A refused tenant builds nothing, takes no lease and
 * does not move in the LRU order.
 *
 * @remarks
 * A check gets `checkTimeout` to answer and at most `maxPendingChecks`
 * tenants are asked about at once: past either, or when the check throws
 * (its backend is down, which says nothing about the tenant), the caller gets
 * 503 `TENANT_ADMISSION_UNAVAILABLE`. A late answer is still cached.
 */
export class TenantAdmission {
  /** Cached answers: tenant id to expiry (clock milliseconds), oldest first. */
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
   * Admit a validated tenant id and lease it (a promise while the check
   * answers); run the work with `runInLeasedTenant`, which ends the lease.
   * Throws (or rejects with) `TENANT_NOT_FOUND`, `TENANT_CAPACITY` or
   * `TENANT_ADMISSION_UNAVAILABLE`.
   *
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
   * Admit `tenantId` (cased as request ids are) and run `fn` in its context
   * under a lease, by the rules a request meets: a suspended, unknown or
   * unadmittable tenant is refused and `fn` does not run.
   *
   * @param options - `allowSuspended`: run even while the tenant is suspended,
   * for maintenance jobs such as an export or a purge (default `false`).
   * @throws TenantRegistryError `INVALID_TENANT_ID`, `TENANT_SUSPENDED`,
   * `TENANT_NOT_FOUND`, `TENANT_CAPACITY` or `TENANT_ADMISSION_UNAVAILABLE`.
   *
   * @example
   * ```ts
   * await admission.runInTenant('acme', () => job.run());
   * ```
   */
  async runInTenant<T>(
    tenantId: string,
    fn: () => T | Promise<T>,
    options: {allowSuspended?: boolean} = {},
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

  /** One call of the check per tenant at a time, within `maxPendingChecks`. */
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

  /** The answer, or 503 once `checkTimeout` has passed. */
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

  /** A check that did not answer, counted, as 503. */
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
