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
import type {Clock} from '../registry/tenant-scopes';
import type {ModelRegistry} from '../registry/model-registry';
import type {TenantRequest} from '../resolution/tenant-strategy';

const debug = debugFactory('loopback:tenant-registry:admission');

/**
 * Says whether a tenant exists; bind it at `ADMISSION_CHECK`. Its answers
 * are cached (`admission.cacheTtl`).
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
  tenantIdCase?: 'exact' | 'lowercase';
}

/**
 * Admits a tenant before anything is built for it: the admission check says
 * whether it exists, then the `maxTenants` cap makes room or refuses. A check
 * that throws, outlasts `checkTimeout` or would exceed `maxPendingChecks`
 * answers 503 `TENANT_ADMISSION_UNAVAILABLE` (a late answer is still cached).
 */
export class TenantAdmission {
  /** Cached answers: tenant id to expiry (clock milliseconds), oldest first. */
  private readonly allowed = new Map<string, number>();
  private readonly refused = new Map<string, number>();
  private readonly asking = new Map<string, Promise<boolean>>();

  constructor(
    private readonly registry: ModelRegistry,
    private readonly settings: TenantAdmissionSettings,
    private readonly check?: TenantAdmissionCheck,
    private readonly suspended?: SuspendedTenants,
  ) {}

  /**
   * Admit a validated tenant id and lease it (a promise while the check
   * answers); `runInLeasedTenant` ends the lease. Throws or rejects with
   * `TENANT_NOT_FOUND`, `TENANT_CAPACITY` or `TENANT_ADMISSION_UNAVAILABLE`.
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
    const settle = (isKnown: boolean) =>
      isKnown ? this.admitToCapacity(tenantId) : this.notFound(tenantId);
    return typeof answer === 'boolean' ? settle(answer) : answer.then(settle);
  }

  /**
   * Run `fn` in the tenant's context by the rules a request meets, else throw
   * `INVALID_TENANT_ID`, `TENANT_SUSPENDED` (unless `allowSuspended`, for
   * maintenance jobs), `TENANT_NOT_FOUND`, `TENANT_CAPACITY` or
   * `TENANT_ADMISSION_UNAVAILABLE`.
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

  /** Forget the cached answers, or one tenant's. */
  clearCache(tenantId?: string): void {
    for (const cache of [this.allowed, this.refused]) {
      if (tenantId === undefined) cache.clear();
      else cache.delete(tenantId);
    }
  }

  /** One call of the check per tenant at a time; 503 after `checkTimeout`. */
  private ask(tenantId: string, request?: TenantRequest) {
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
    const pending = asking;
    return new Promise<boolean>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(this.unavailable(tenantId, 'the check timed out')),
        this.settings.checkTimeout,
      );
      pending
        .then(resolve, error => reject(this.unavailable(tenantId, error)))
        .finally(() => clearTimeout(timer));
    });
  }

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
