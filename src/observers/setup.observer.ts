// Copyright loopback4-tenant-registry contributors. MIT License.

import {
  asGlobalInterceptor,
  Binding,
  BindingScope,
  Context,
  ContextTags,
  CoreBindings,
  CoreTags,
  inject,
  lifeCycleObserver,
  type Getter,
  type Interceptor,
  type LifeCycleObserver,
} from '@loopback/core';
import {MiddlewareSequence, RestBindings} from '@loopback/rest';
import {
  installJugglerBridge,
  type UninstallJugglerBridge,
} from '../bridge/juggler-bridge';
import {hasTenantContext} from '../context/tenant-context';
import {TenantRegistryBindings as keys} from '../keys';
import type {TenantRegistryMetrics} from '../observability/tenant-metrics';
import type {ResolvedTenantRegistryOptions} from '../options/tenant-registry-options';
import type {ModelRegistry} from '../registry/model-registry';
import type {TenantRequestHandler} from '../request/tenant-request-handler';

/**
 * On start, in this order: resolves the configured strategies (an unknown
 * name fails `app.start()` with `INVALID_OPTION` before anything is
 * installed), installs the juggler bridge (unless `bridge: false`), binds the
 * interceptor fallback for servers on a legacy sequence, and creates the
 * metrics (so the cleanup-duration histogram sees every pass, not only those
 * after the first scrape). On stop, restores juggler's own functions.
 */
// Group `tenancy` sorts before `tenant-registry` (groups outside
// `orderedGroups` start alphabetically, and stop in reverse).
@lifeCycleObserver('tenancy', {scope: BindingScope.SINGLETON})
export class SetupObserver implements LifeCycleObserver {
  private uninstallBridge: UninstallJugglerBridge | undefined;

  constructor(
    @inject(keys.REQUEST_HANDLER)
    private readonly handler: TenantRequestHandler,
    @inject(keys.REGISTRY) private readonly registry: ModelRegistry,
    @inject(keys.OPTIONS)
    private readonly options: ResolvedTenantRegistryOptions,
    @inject.getter(keys.METRICS)
    private readonly getMetrics: Getter<TenantRegistryMetrics>,
    @inject(CoreBindings.APPLICATION_INSTANCE)
    private readonly application: Context,
  ) {}

  async start(): Promise<void> {
    await this.handler.prepare();
    if (this.options.bridge && this.uninstallBridge === undefined) {
      this.uninstallBridge = installJugglerBridge(this.registry);
    }
    const app = this.application;
    if (!app.isBound(keys.INTERCEPTOR) && (await this.hasLegacySequence())) {
      app.add(interceptorBinding(this.handler));
    }
    if (this.options.metrics.enabled) await this.getMetrics();
  }

  stop(): void {
    this.uninstallBridge?.();
    this.uninstallBridge = undefined;
  }

  private async hasLegacySequence(): Promise<boolean> {
    const app = this.application;
    for (const binding of app.findByTag(CoreTags.SERVER)) {
      const server = await app.get<unknown>(binding.key);
      if (!(server instanceof Context)) continue;
      const sequence = server.getBinding(RestBindings.SEQUENCE, {
        optional: true,
      });
      // Read the bound class: resolving a sequence needs a request context.
      const sequenceClass = sequence?.valueConstructor;
      if (
        sequence !== undefined &&
        sequenceClass !== MiddlewareSequence &&
        !(sequenceClass?.prototype instanceof MiddlewareSequence)
      ) {
        return true;
      }
    }
    return false;
  }
}

/**
 * The fallback for the legacy `DefaultSequence`, where middleware cannot
 * carry a context into controllers: a route's controller method runs in the
 * request's tenant context. Controllers and repositories are constructed
 * before it runs, so models their constructors define are not in the
 * tenant's scope. A global interceptor costs every controller call, hence
 * bound only for such servers.
 */
function interceptorBinding(handler: TenantRequestHandler): Binding {
  const interceptor: Interceptor = async (invocationContext, next) => {
    // The middleware ran (MiddlewareSequence): nothing to do.
    if (hasTenantContext()) return next();
    const {REQUEST, RESPONSE} = RestBindings.Http;
    const optional = {optional: true};
    const request = await invocationContext.get(REQUEST, optional);
    const response = await invocationContext.get(RESPONSE, optional);
    if (request === undefined || response === undefined) return next();
    return handler.handle(request, response, next);
  };
  return Binding.bind(keys.INTERCEPTOR)
    .to(interceptor)
    .apply(asGlobalInterceptor('tenancy'))
    .tag({[ContextTags.GLOBAL_INTERCEPTOR_SOURCE]: 'route'});
}
