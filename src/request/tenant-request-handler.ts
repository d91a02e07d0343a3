// Copyright loopback4-tenant-registry contributors. MIT License.

import {
  BindingScope,
  ContextView,
  extensions,
  inject,
  injectable,
  type ValueOrPromise,
} from '@loopback/core';
import type {ServerResponse} from 'node:http';
import {runInLeasedTenant} from '../context/tenant-context';
import type {TenantLease} from '../context/tenant-lease';
import {
  invalidOptionError,
  tenantRequiredError,
  tenantSuspendedError,
} from '../errors';
import type {SuspendedTenants} from '../fleet/suspended-tenants';
import {TenantRegistryBindings} from '../keys';
import type {ResolvedTenantRegistryOptions} from '../options/tenant-registry-options';
import type {TenantAdmission} from '../admission/tenant-admission';
import {TenantResolver} from '../resolution/tenant-resolver';
import type {
  TenantRequest,
  TenantResolutionStrategy,
} from '../resolution/tenant-strategy';
import {toHttpError} from './http-errors';

type Response = Pick<ServerResponse, 'setHeader' | 'headersSent'>;

/**
 * Resolves a request's tenant with the configured strategies, admits it, and
 * runs the rest of the request in its context under a lease. Shared by the
 * middleware and the interceptor.
 *
 * @remarks
 * Synchronous from start to `next()` when every strategy answers
 * synchronously: no promise, no closure per request (measured by
 * `bench/middleware-time.ts`).
 *
 * @internal
 */
@injectable({scope: BindingScope.SINGLETON})
export class TenantRequestHandler {
  private resolver: TenantResolver | undefined;
  /** Our own endpoints, which need no tenant (even with requireTenant). */
  private readonly ownPaths: readonly string[];
  /** The dashboard's path prefix (its bare path is in `ownPaths`). */
  private readonly ownPrefix: string | undefined;

  constructor(
    @inject(TenantRegistryBindings.OPTIONS)
    private readonly options: ResolvedTenantRegistryOptions,
    @inject(TenantRegistryBindings.SUSPENDED_TENANTS)
    private readonly suspended: SuspendedTenants,
    @inject(TenantRegistryBindings.ADMISSION)
    private readonly admission: TenantAdmission,
    @extensions.view(TenantRegistryBindings.STRATEGIES)
    private readonly strategyView: ContextView<TenantResolutionStrategy>,
  ) {
    strategyView.on('refresh', () => (this.resolver = undefined));
    const ownPaths: string[] = [];
    if (options.health.enabled) ownPaths.push(options.health.path);
    if (options.metrics.enabled && options.metrics.path) {
      ownPaths.push(options.metrics.path);
    }
    if (options.dashboard.enabled) ownPaths.push(options.dashboard.path);
    this.ownPaths = ownPaths;
    this.ownPrefix = options.dashboard.enabled
      ? `${options.dashboard.path}/`
      : undefined;
  }

  /**
   * Run `next` in the request's tenant context, or as is when the request
   * names no tenant (unless `requireTenant`). `response` gets `Retry-After`
   * on a 503.
   *
   * @throws An HTTP error with a stable `code` (400, 401, 403, 404, 503).
   */
  handle<T>(
    request: TenantRequest,
    response: Response,
    next: () => ValueOrPromise<T>,
  ): ValueOrPromise<T> {
    if (this.isOwnPath(request.url)) return next();
    const resolver = this.resolver;
    if (resolver === undefined) {
      return this.prepare().then(() => this.handle(request, response, next));
    }
    let answer: string | undefined | Promise<string | undefined>;
    try {
      answer = resolver.resolve(request);
    } catch (error: unknown) {
      throw toHttpError(error, response);
    }
    if (typeof answer === 'object') {
      return answer.then(
        tenantId => this.enter(request, tenantId, response, next),
        (error: unknown) => {
          throw toHttpError(error, response);
        },
      );
    }
    return this.enter(request, answer, response, next);
  }

  /**
   * Resolve the configured strategies by name, once.
   *
   * @throws TenantRegistryError `INVALID_OPTION` naming a strategy that is
   * not registered.
   */
  async prepare(): Promise<void> {
    if (this.resolver !== undefined) return;
    const byName = new Map<string, TenantResolutionStrategy>();
    for (const strategy of await this.strategyView.values()) {
      byName.set(strategy.name, strategy);
    }
    const ordered = this.options.strategies.map(name => {
      const strategy = byName.get(name);
      if (strategy === undefined) {
        throw invalidOptionError(
          'strategies',
          `registered strategy names (${[...byName.keys()].join(', ')})`,
          name,
        );
      }
      return strategy;
    });
    this.resolver = new TenantResolver(
      ordered,
      this.options.tenantIdCase === 'lowercase',
    );
  }

  private enter<T>(
    request: TenantRequest,
    tenantId: string | undefined,
    response: Response,
    next: () => ValueOrPromise<T>,
  ): ValueOrPromise<T> {
    if (tenantId === undefined) {
      if (this.options.requireTenant) {
        throw toHttpError(tenantRequiredError(), response);
      }
      return next();
    }
    if (this.suspended.has(tenantId)) {
      throw toHttpError(tenantSuspendedError(), response);
    }
    let admitted: TenantLease | Promise<TenantLease>;
    try {
      admitted = this.admission.admit(tenantId, request);
    } catch (error: unknown) {
      throw toHttpError(error, response);
    }
    if (!(admitted instanceof Promise)) {
      return runAnswering(admitted, next, response);
    }
    return admitted.then(
      lease => runAnswering(lease, next, response),
      (error: unknown) => {
        throw toHttpError(error, response);
      },
    );
  }

  /**
   * Whether `url` is one of our endpoints, compared in place: nothing is
   * sliced off or hashed on a request's way through.
   */
  private isOwnPath(url: string | undefined): boolean {
    if (url === undefined) return false;
    for (const path of this.ownPaths) {
      if (
        url.startsWith(path) &&
        (url.length === path.length || url.charCodeAt(path.length) === 0x3f) // '?'
      ) {
        return true;
      }
    }
    return this.ownPrefix !== undefined && url.startsWith(this.ownPrefix);
  }
}

/**
 * Run the rest of the request under the lease, which ends with it; a
 * `TenantRegistryError` it throws (a query that lost its database, deep in a
 * repository) answers with its status, `code` and `Retry-After`, which
 * strong-error-handler would not write.
 */
function runAnswering<T>(
  lease: TenantLease,
  next: () => ValueOrPromise<T>,
  response: Response,
): ValueOrPromise<T> {
  const result = runInLeasedTenant(lease, next);
  if (!(result instanceof Promise)) return result;
  return result.catch((error: unknown) => {
    throw toHttpError(error, response);
  });
}
