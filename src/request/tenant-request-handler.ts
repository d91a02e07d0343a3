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
import {runRequiringTenant} from '../context/tenant-context';
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
import type {TenancyPolicy} from './tenancy.decorator';

type Response = Pick<ServerResponse, 'setHeader' | 'headersSent'>;

// Synchronous up to `next()` when every strategy is: no promise, no closure.
/** Resolves, admits and runs a request in its tenant's context. @internal */
@injectable({scope: BindingScope.SINGLETON})
export class TenantRequestHandler {
  private resolver: TenantResolver | undefined;
  /** Our endpoints, which need no tenant, and the dashboard's prefix. */
  private readonly ownPaths: readonly string[];
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
    const {health, metrics, dashboard} = options;
    this.ownPaths = [health, metrics, dashboard].flatMap(({enabled, path}) =>
      enabled && path ? [path] : [],
    );
    this.ownPrefix = dashboard.enabled ? `${dashboard.path}/` : undefined;
  }

  /**
   * Run `next` in the request's tenant context; errors are HTTP errors.
   * `policy` is the route's `@tenancy` override, if any.
   */
  handle<T>(
    request: TenantRequest,
    response: Response,
    next: () => ValueOrPromise<T>,
    policy?: TenancyPolicy,
  ): ValueOrPromise<T> {
    if (policy === 'skip' || this.isOwnPath(request.url)) return next();
    const resolver = this.resolver;
    if (resolver === undefined) {
      return this.prepare().then(() =>
        this.handle(request, response, next, policy),
      );
    }
    let answer: string | undefined | Promise<string | undefined>;
    try {
      answer = resolver.resolve(request);
    } catch (error: unknown) {
      throw toHttpError(error, response);
    }
    if (typeof answer === 'object') {
      return answer.then(
        tenantId => this.enter(request, tenantId, response, next, policy),
        (error: unknown) => {
          throw toHttpError(error, response);
        },
      );
    }
    return this.enter(request, answer, response, next, policy);
  }

  /** Find the configured strategies by name, once; `INVALID_OPTION` if not. */
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
    policy: TenancyPolicy | undefined,
  ): ValueOrPromise<T> {
    if (tenantId === undefined) {
      if (policy === 'required') {
        throw toHttpError(tenantRequiredError(), response);
      }
      const result =
        this.options.requireTenant && policy !== 'optional'
          ? runRequiringTenant(next)
          : next();
      return answering(result, response);
    }
    if (this.suspended.has(tenantId)) {
      throw toHttpError(tenantSuspendedError(), response);
    }
    let result: ValueOrPromise<T>;
    try {
      result = this.admission.runAdmitted(tenantId, request, next);
    } catch (error: unknown) {
      throw toHttpError(error, response);
    }
    return answering(result, response);
  }

  /** Whether `url` is one of our endpoints, compared in place. */
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

// A TenantRegistryError deep inside the request (a query that lost its
// database) keeps its status, `code` and `Retry-After`.
function answering<T>(
  result: ValueOrPromise<T>,
  response: Response,
): ValueOrPromise<T> {
  if (!(result instanceof Promise)) return result;
  return result.catch((error: unknown) => {
    throw toHttpError(error, response);
  });
}
