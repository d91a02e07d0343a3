// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';
import {runInCountedTenant} from '../context/tenant-context';
import type {TenantWork} from '../context/tenant-work';
import {validateTenantId} from '../context/tenant-id';
import {tenantCapacityError, tenantNotFoundError} from '../errors';
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
}

/**
 * Admits a tenant before anything is built for it: the admission check
 * (cached, single flight) says whether it exists, then the `maxTenants` cap
 * makes room by evicting the least recently used tenant that is neither busy
 * nor used within the protection window, or refuses.
 *
 * @remarks
 * A refused tenant builds nothing, creates no registry scope, takes no
 * lease and does not move in the LRU order. The request path calls
 * `admit()`; `runInTenant()` here is for other callers that opt in.
 */
export class TenantAdmission {
  private readonly allowed = new Map<string, number>();
  private readonly refused = new Map<string, number>();
  private readonly asking = new Map<string, Promise<boolean>>();

  constructor(
    private readonly registry: ModelRegistry,
    private readonly settings: TenantAdmissionSettings,
    private readonly check?: TenantAdmissionCheck,
  ) {}

  /**
   * Admit a validated tenant id and begin a unit of its work: the work count
   * when admitted now, a promise of it while the check answers
   * asynchronously. Run the work with `runInCountedTenant`, which ends it:
   * a unit of work never ended keeps the tenant busy, so it is never
   * evicted. Applications call {@link TenantAdmission.runInTenant}.
   *
   * @throws TenantRegistryError `TENANT_NOT_FOUND` or `TENANT_CAPACITY`.
   * @internal
   */
  admit(
    tenantId: string,
    request?: TenantRequest,
  ): TenantWork | Promise<TenantWork> {
    if (this.check === undefined) return this.admitToCapacity(tenantId);
    const now = this.settings.clock.now();
    if ((this.allowed.get(tenantId) ?? 0) > now) {
      return this.admitToCapacity(tenantId);
    }
    if ((this.refused.get(tenantId) ?? 0) > now) {
      this.registry.recordAdmission('notFound');
      throw tenantNotFoundError();
    }
    let answer: boolean | Promise<boolean>;
    try {
      answer = this.ask(tenantId, request);
    } catch (error: unknown) {
      return Promise.reject(error);
    }
    if (typeof answer === 'boolean') {
      return this.settle(tenantId, answer, now);
    }
    return answer.then(isKnown =>
      this.settle(tenantId, isKnown, this.settings.clock.now()),
    );
  }

  /**
   * Admit `tenantId` and run `fn` in its context (what the middleware does
   * for a request).
   *
   * @throws TenantRegistryError `INVALID_TENANT_ID`, `TENANT_NOT_FOUND` or
   * `TENANT_CAPACITY`; `fn` then does not run.
   */
  async runInTenant<T>(tenantId: string, fn: () => T | Promise<T>): Promise<T> {
    const work = await this.admit(validateTenantId(tenantId));
    return runInCountedTenant(work, fn);
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

  private ask(
    tenantId: string,
    request: TenantRequest | undefined,
  ): boolean | Promise<boolean> {
    const pending = this.asking.get(tenantId);
    if (pending !== undefined) return pending;
    const answer = this.check!(tenantId, request);
    if (typeof answer === 'boolean') return answer;
    const asking = Promise.resolve(answer)
      .then(isKnown => isKnown === true)
      .finally(() => this.asking.delete(tenantId));
    this.asking.set(tenantId, asking);
    return asking;
  }

  private settle(tenantId: string, isKnown: boolean, now: number): TenantWork {
    const {cacheTtl, negativeCacheTtl, cacheSize} = this.settings;
    if (isKnown) {
      remember(this.allowed, tenantId, now + cacheTtl, cacheSize);
      return this.admitToCapacity(tenantId);
    }
    remember(this.refused, tenantId, now + negativeCacheTtl, cacheSize);
    this.registry.recordAdmission('notFound');
    debug('tenant %s refused: not found', tenantId);
    throw tenantNotFoundError();
  }

  private admitToCapacity(tenantId: string): TenantWork {
    const admitted = this.registry.admitTenant(tenantId);
    if (typeof admitted !== 'number') return admitted;
    debug('tenant %s refused: at capacity', tenantId);
    throw tenantCapacityError(Math.max(1, Math.ceil(admitted / 1000)));
  }
}

/** Set with an expiry, dropping the oldest entry beyond `size`. */
function remember(
  cache: Map<string, number>,
  tenantId: string,
  expiresAt: number,
  size: number,
): void {
  cache.delete(tenantId);
  cache.set(tenantId, expiresAt);
  if (cache.size > size) cache.delete(cache.keys().next().value!);
}
