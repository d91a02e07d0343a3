// Copyright loopback4-tenant-registry contributors. MIT License.

import {inject, injectable, type Provider} from '@loopback/core';
import {asMiddleware, type Middleware} from '@loopback/rest';
import {TenantRegistryBindings} from '../keys';
import type {TenantRequestHandler} from './tenant-request-handler';

/** The middleware group this package's middleware belongs to. */
export const TENANCY_MIDDLEWARE_GROUP = 'tenancy';

/**
 * The tenant resolution middleware: after route lookup and before
 * authentication and method invocation, so that controllers and repositories
 * are constructed (and juggler builds models) inside the tenant's context.
 */
@injectable(
  asMiddleware({
    group: TENANCY_MIDDLEWARE_GROUP,
    upstreamGroups: ['cors', 'findRoute'],
    downstreamGroups: ['authentication', 'parseParams', 'invokeMethod'],
  }),
)
export class TenantMiddlewareProvider implements Provider<Middleware> {
  constructor(
    @inject(TenantRegistryBindings.REQUEST_HANDLER)
    private readonly handler: TenantRequestHandler,
  ) {}

  value(): Middleware {
    return (context, next) => this.handler.handle(context.request, next);
  }
}
