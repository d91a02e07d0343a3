// Copyright loopback4-tenant-registry contributors. MIT License.

import {inject, injectable, type Provider} from '@loopback/core';
import {asMiddleware, type Middleware} from '@loopback/rest';
import {TenantRegistryBindings} from '../keys';
import type {TenantRequestHandler} from '../request/tenant-request-handler';

/**
 * The tenant resolution middleware: after route lookup and before
 * authentication and method invocation, so that controllers and repositories
 * are constructed (and juggler builds models) inside the tenant's context.
 *
 * @internal
 */
@injectable(
  asMiddleware({
    group: 'tenancy',
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
    const handler = this.handler;
    return (context, next) =>
      handler.handle(context.request, context.response, next);
  }
}
