// Copyright loopback4-tenant-registry contributors. MIT License.

import {
  extensions,
  inject,
  injectable,
  ContextView,
  type ValueOrPromise,
} from '@loopback/core';
import {runInTenant} from '../context/tenant-context';
import {
  invalidOptionError,
  tenantRequiredError,
  tenantSuspendedError,
} from '../errors';
import {TenantRegistryBindings} from '../keys';
import type {ModelRegistry} from '../registry/model-registry';
import {resolveTenantId} from '../resolution/tenant-resolver';
import type {
  TenantRequest,
  TenantResolutionStrategy,
} from '../resolution/tenant-strategy';
import type {ResolvedTenantRegistryOptions} from '../types';
import {toHttpError} from './http-errors';

/**
 * Resolves a request's tenant with the configured strategies and runs the
 * rest of the request in its context, holding a lease on it. Shared by the
 * middleware and the interceptor.
 */
@injectable()
export class TenantRequestHandler {
  private ordered: TenantResolutionStrategy[] | undefined;
  /** Our own endpoints, which need no tenant (even with requireTenant). */
  private readonly ownPaths: ReadonlySet<string>;
  private readonly dashboardPath: string | undefined;

  constructor(
    @inject(TenantRegistryBindings.REGISTRY)
    private readonly registry: ModelRegistry,
    @inject(TenantRegistryBindings.OPTIONS)
    private readonly options: ResolvedTenantRegistryOptions,
    @extensions.view(TenantRegistryBindings.STRATEGIES)
    private readonly strategyView: ContextView<TenantResolutionStrategy>,
  ) {
    strategyView.on('refresh', () => (this.ordered = undefined));
    const ownPaths = new Set<string>();
    if (options.health.enabled) ownPaths.add(options.health.path);
    if (options.metrics.enabled && options.metrics.path) {
      ownPaths.add(options.metrics.path);
    }
    this.ownPaths = ownPaths;
    this.dashboardPath = options.dashboard.enabled
      ? options.dashboard.path
      : undefined;
  }

  /**
   * Run `next` in the request's tenant context, or as is when the request
   * names no tenant (unless `requireTenant`). Answers 400/401 with a stable
   * `code` for a bad tenant id or token.
   *
   * @param request - The HTTP request.
   * @param next - The rest of the request.
   */
  async handle<T>(
    request: TenantRequest,
    next: () => ValueOrPromise<T>,
  ): Promise<T> {
    if (this.isOwnPath(request.url)) return next();
    let tenantId: string | undefined;
    try {
      const strategies = this.ordered ?? (await this.strategies());
      tenantId = await resolveTenantId(request, strategies);
    } catch (error: unknown) {
      throw toHttpError(error);
    }
    if (tenantId === undefined) {
      if (this.options.requireTenant) throw toHttpError(tenantRequiredError());
      return next();
    }
    if (this.registry.isSuspended(tenantId)) {
      throw toHttpError(tenantSuspendedError());
    }
    this.registry.acquire(tenantId);
    try {
      return await runInTenant(tenantId, next);
    } finally {
      this.registry.release(tenantId);
    }
  }

  private isOwnPath(url: string | undefined): boolean {
    if (this.ownPaths.size === 0 && this.dashboardPath === undefined) {
      return false;
    }
    const path = pathOf(url);
    return (
      this.ownPaths.has(path) ||
      (this.dashboardPath !== undefined &&
        (path === this.dashboardPath ||
          path.startsWith(`${this.dashboardPath}/`)))
    );
  }

  /**
   * The configured strategies in order.
   *
   * @throws TenantRegistryError `INVALID_OPTION` naming a strategy that is
   * not registered.
   */
  async strategies(): Promise<TenantResolutionStrategy[]> {
    if (this.ordered !== undefined) return this.ordered;
    const byName = new Map<string, TenantResolutionStrategy>();
    for (const strategy of await this.strategyView.values()) {
      byName.set(strategy.name, strategy);
    }
    this.ordered = this.options.strategies.map(name => {
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
    return this.ordered;
  }
}

function pathOf(url: string | undefined): string {
  if (url === undefined) return '';
  const end = url.indexOf('?');
  return end === -1 ? url : url.slice(0, end);
}
