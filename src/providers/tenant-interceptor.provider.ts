// Copyright loopback4-tenant-registry contributors. MIT License.

import {
  asGlobalInterceptor,
  ContextTags,
  inject,
  injectable,
  type Interceptor,
  type Provider,
} from '@loopback/core';
import {RestBindings} from '@loopback/rest';
import {hasTenantContext} from '../context/tenant-context';
import {TenantRegistryBindings} from '../keys';
import type {TenantRequestHandler} from '../request/tenant-request-handler';

/**
 * The fallback for apps on the legacy `DefaultSequence`, where middleware
 * cannot carry a context into controllers: a route's controller method that
 * runs outside a tenant context runs inside the request's.
 *
 * @remarks
 * Controllers and repositories are constructed before it runs, so models
 * their constructors define are not in the tenant's scope: use the default
 * `MiddlewareSequence` where you can.
 *
 * @internal
 */
@injectable(asGlobalInterceptor('tenancy'), {
  tags: {[ContextTags.GLOBAL_INTERCEPTOR_SOURCE]: 'route'},
})
export class TenantInterceptorProvider implements Provider<Interceptor> {
  constructor(
    @inject(TenantRegistryBindings.REQUEST_HANDLER)
    private readonly handler: TenantRequestHandler,
  ) {}

  value(): Interceptor {
    return async (invocationContext, next) => {
      // The middleware ran (MiddlewareSequence): nothing to do.
      if (hasTenantContext()) return next();
      const request = await invocationContext.get(RestBindings.Http.REQUEST, {
        optional: true,
      });
      const response = await invocationContext.get(RestBindings.Http.RESPONSE, {
        optional: true,
      });
      if (request === undefined || response === undefined) return next();
      return this.handler.handle(request, response, next);
    };
  }
}
