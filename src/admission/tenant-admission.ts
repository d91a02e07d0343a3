// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';
import {
  runInLeasedTenant,
  type TenantInfoEntry,
} from '../context/tenant-context';
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
 * @remarks Return the tenant's record instead of `true` and requests get it
 * at `CURRENT_TENANT_INFO` (and from `getCurrentTenantInfo()`) without
 * another lookup: it is cached with the "yes", and dropped with it when the
 * tenant is evicted (or suspended, which evicts).
 *
 * What admits: `true`, or the tenant's record (any object but an array).
 * `false`, `null`, `undefined` and any other value (a number, a string, an
 * array: an empty `find()` result must not admit) mean "no such tenant"
 * (404 `TENANT_NOT_FOUND`). A record is the app's own object, kept by
 * reference for `admission.cacheTtl`: keep it small and treat it as
 * read-only.
 *
 * @example
 * ```ts
 * app.bind(TenantRegistryBindings.ADMISSION_CHECK).to(
 *   async tenantId => (await tenantRepo.count({id: tenantId})).count > 0,
 * );
 * // or, to hand requests the record (findOne gives null when there is none):
 * app.bind(TenantRegistryBindings.ADMISSION_CHECK).to(tenantId =>
 *   tenantRepo.findOne({where: {id: tenantId}}),
 * );
 * ```
 */
export type TenantAdmissionCheck<TInfo extends object = object> = (
  tenantId: string,
  request?: TenantRequest,
) =>
  | boolean
  | TInfo
  | null
  | undefined
  | Promise<boolean | TInfo | null | undefined>;

/** A cached "yes": until when (clock milliseconds), and the record if any. */
interface Admitted {
  readonly expiresAt: number;
  readonly info: TenantInfoEntry | undefined;
}

/** Every tenant admitted when no check is bound. */
const UNCHECKED: Admitted = Object.freeze({expiresAt: 0, info: undefined});

export interface TenantAdmissionSettings extends Required<AdmissionOptions> {
  clock: Clock;
  tenantIdCase?: 'exact' | 'lowercase';
}

/**
 * Admits a tenant before anything is built for it: the admission check says
 * whether it exists, then the `maxTenants` cap makes room or refuses. A check
 * that throws, outlasts `checkTimeout` or would exceed `maxPendingChecks`
 * answers 503 `TENANT_ADMISSION_UNAVAILABLE` (a late answer is still cached).
 *
 * @example
 * ```ts
 * const admission = await app.get(TenantRegistryBindings.ADMISSION);
 * await admission.runInTenant('acme', () => invoices.sendReminders());
 * admission.clearCache('acme'); // the catalog changed: ask the check again
 * ```
 */
export class TenantAdmission {
  /** Cached answers by tenant id, oldest first; "no"s hold their expiry. */
  private readonly allowed = new Map<string, Admitted>();
  private readonly refused = new Map<string, number>();
  private readonly asking = new Map<string, Promise<Admitted | undefined>>();

  constructor(
    private readonly registry: ModelRegistry,
    private readonly settings: TenantAdmissionSettings,
    private readonly check?: TenantAdmissionCheck,
    private readonly suspended?: SuspendedTenants,
  ) {
    // A record goes with its tenant (suspension evicts too); a plain "yes"
    // holds nothing and stays, as it always has.
    if (check !== undefined) {
      registry.on('tenantEvicted', ({tenantId}) => {
        if (this.allowed.get(tenantId)?.info !== undefined) {
          this.allowed.delete(tenantId);
        }
      });
    }
  }

  /**
   * Admit a validated tenant id and lease it (a promise while the check
   * answers); `runInLeasedTenant` ends the lease. Throws or rejects with
   * `TENANT_NOT_FOUND`, `TENANT_CAPACITY` or `TENANT_ADMISSION_UNAVAILABLE`.
   */
  admit(
    tenantId: string,
    request?: TenantRequest,
  ): TenantLease | Promise<TenantLease> {
    const known = this.find(tenantId, request);
    if (known instanceof Promise) {
      return known.then(() => this.admitToCapacity(tenantId));
    }
    return this.admitToCapacity(tenantId);
  }

  /**
   * `admit`, then run `fn` in the tenant's context with the record its check
   * returned (`getCurrentTenantInfo()`); errors as `admit`'s. @internal
   */
  runAdmitted<T>(
    tenantId: string,
    request: TenantRequest | undefined,
    fn: () => T | PromiseLike<T>,
  ): T | PromiseLike<T> {
    const known = this.find(tenantId, request);
    if (known instanceof Promise) {
      return known.then(admitted => this.runIn(tenantId, admitted, fn));
    }
    return this.runIn(tenantId, known, fn);
  }

  /**
   * Run `fn` in the tenant's context by the rules a request meets, else throw
   * `INVALID_TENANT_ID`, `TENANT_SUSPENDED` (unless `allowSuspended`, for
   * maintenance jobs), `TENANT_NOT_FOUND`, `TENANT_CAPACITY` or
   * `TENANT_ADMISSION_UNAVAILABLE`. `fn` sees the tenant's record, as a
   * request does.
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
    return this.runAdmitted(id, undefined, fn);
  }

  /** Forget the cached answers (and records), or one tenant's. */
  clearCache(tenantId?: string): void {
    for (const cache of [this.allowed, this.refused]) {
      if (tenantId === undefined) cache.clear();
      else cache.delete(tenantId);
    }
  }

  /** Answers cached, "yes" and "no" (tests). @internal */
  get cacheSize(): {allowed: number; refused: number} {
    return {allowed: this.allowed.size, refused: this.refused.size};
  }

  /** The cached or fresh "yes", else `TENANT_NOT_FOUND`. */
  private find(
    tenantId: string,
    request?: TenantRequest,
  ): Admitted | Promise<Admitted> {
    if (this.check === undefined) return UNCHECKED;
    const now = this.settings.clock.now();
    const cached = this.allowed.get(tenantId);
    if (cached !== undefined && cached.expiresAt > now) return cached;
    if ((this.refused.get(tenantId) ?? 0) > now) return this.notFound(tenantId);
    let answer: Admitted | undefined | Promise<Admitted | undefined>;
    try {
      answer = this.ask(tenantId, request);
    } catch (error: unknown) {
      return Promise.reject(this.unavailable(tenantId, error));
    }
    if (!(answer instanceof Promise)) return answer ?? this.notFound(tenantId);
    return answer.then(admitted => admitted ?? this.notFound(tenantId));
  }

  private runIn<T>(tenantId: string, admitted: Admitted, fn: () => T): T {
    return runInLeasedTenant(this.admitToCapacity(tenantId), fn, admitted.info);
  }

  /** One call of the check per tenant at a time; 503 after `checkTimeout`. */
  private ask(tenantId: string, request?: TenantRequest) {
    let asking = this.asking.get(tenantId);
    if (asking === undefined) {
      if (this.asking.size >= this.settings.maxPendingChecks) {
        throw this.unavailable(tenantId, 'too many checks pending');
      }
      const answer: unknown = this.check!(tenantId, request);
      if (!isThenable(answer)) return this.remember(tenantId, answer);
      // Cached when it comes, even if every caller gave up on it.
      asking = Promise.resolve(answer)
        .then(settled => this.remember(tenantId, settled))
        .finally(() => this.asking.delete(tenantId));
      this.asking.set(tenantId, asking);
    }
    const pending = asking;
    return new Promise<Admitted | undefined>((resolve, reject) => {
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

  /** Cache an answer: the "yes" with its record, or `undefined` for a "no". */
  private remember(tenantId: string, answer: unknown): Admitted | undefined {
    const {cacheTtl, negativeCacheTtl, cacheSize, clock} = this.settings;
    const now = clock.now();
    this.allowed.delete(tenantId);
    this.refused.delete(tenantId);
    if (answer !== true && !isRecord(answer)) {
      setBounded(this.refused, tenantId, now + negativeCacheTtl, cacheSize);
      return undefined;
    }
    const info = answer === true ? undefined : {tenantId, info: answer};
    const admitted: Admitted = {expiresAt: now + cacheTtl, info};
    setBounded(this.allowed, tenantId, admitted, cacheSize);
    // Expired records would sit until pushed out: drop them from the front
    // (one TTL for all, so the oldest expire first).
    for (const [oldest, {expiresAt}] of this.allowed) {
      if (expiresAt > now) break;
      this.allowed.delete(oldest);
    }
    return admitted;
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

/** Set `key` last; beyond `max` entries, drop the oldest. */
function setBounded<V>(
  cache: Map<string, V>,
  key: string,
  value: V,
  max: number,
) {
  cache.set(key, value);
  if (cache.size > max) cache.delete(cache.keys().next().value!);
}

function isRecord(answer: unknown): answer is object {
  return (
    typeof answer === 'object' && answer !== null && !Array.isArray(answer)
  );
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<unknown> | null)?.then === 'function'
  );
}
