// Copyright loopback4-tenant-registry contributors. MIT License.

import {
  BindingScope,
  Context,
  CoreBindings,
  CoreTags,
  createBindingFromClass,
  inject,
  lifeCycleObserver,
  type LifeCycleObserver,
} from '@loopback/core';
import {MiddlewareSequence, RestBindings} from '@loopback/rest';
import {TenantRegistryBindings} from '../keys';
import {TenantInterceptorProvider} from '../providers/tenant-interceptor.provider';
import type {TenantRequestHandler} from '../request/tenant-request-handler';

/**
 * Readies the request path on start: resolves the configured strategies (a
 * name that is not registered fails `app.start()` with `INVALID_OPTION`),
 * and binds the interceptor fallback when a server uses a sequence other
 * than `MiddlewareSequence` (a global interceptor costs every controller
 * call, so it is bound only there).
 *
 * @internal
 */
// Group `tenancy` sorts before `tenant-registry` (groups outside
// `orderedGroups` start alphabetically): a misconfigured strategy fails
// `app.start()` before the bridge is installed.
@lifeCycleObserver('tenancy', {scope: BindingScope.SINGLETON})
export class RequestSetupObserver implements LifeCycleObserver {
  constructor(
    @inject(TenantRegistryBindings.REQUEST_HANDLER)
    private readonly handler: TenantRequestHandler,
    @inject(CoreBindings.APPLICATION_INSTANCE)
    private readonly application: Context,
  ) {}

  async start(): Promise<void> {
    await this.handler.prepare();
    const app = this.application;
    if (app.isBound(TenantRegistryBindings.INTERCEPTOR)) return;
    if (!(await this.hasLegacySequence())) return;
    app.add(
      createBindingFromClass(TenantInterceptorProvider, {
        key: TenantRegistryBindings.INTERCEPTOR,
        defaultScope: BindingScope.SINGLETON,
      }),
    );
  }

  private async hasLegacySequence(): Promise<boolean> {
    const app = this.application;
    for (const binding of app.findByTag(CoreTags.SERVER)) {
      const server = await app.get<unknown>(binding.key);
      if (!(server instanceof Context)) continue;
      const sequence = server.getBinding(RestBindings.SEQUENCE, {
        optional: true,
      });
      if (sequence === undefined) continue;
      // Read the bound class: resolving a sequence needs a request context.
      const sequenceClass = sequence.valueConstructor;
      const isMiddlewareSequence =
        sequenceClass === MiddlewareSequence ||
        sequenceClass?.prototype instanceof MiddlewareSequence;
      if (!isMiddlewareSequence) return true;
    }
    return false;
  }
}
