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
import {checkTenantDataSourceKey} from '../datasources/tenant-datasource-key';
import type {ResolvedTenantRegistryOptions} from '../options/tenant-registry-options';
import type {ModelRegistry} from '../registry/model-registry';
import {tenancyPolicyOf} from '../request/tenancy.decorator';
import type {TenantRequestHandler} from '../request/tenant-request-handler';

/**
 * On start: checks that `TENANT_DATASOURCE` is still ours (an app DataSource
 * named `tenant` fails `app.start()`), resolves the strategies (an unknown
 * name fails it too), installs the juggler bridge, binds the interceptor for legacy
 * sequences and creates the metrics (whose histogram sees every cleanup
 * pass). Group `tenancy` starts before `tenant-registry` and stops after.
 */
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
    private readonly app: Context,
  ) {}

  async start(): Promise<void> {
    // First, and before any await: observers of a group start together, and
    // LoopBack cannot stop an app whose start failed, so a failed start must
    // leave nothing installed.
    checkTenantDataSourceKey(this.app);
    await this.handler.prepare();
    if (this.options.bridge && this.uninstallBridge === undefined) {
      this.uninstallBridge = installJugglerBridge(this.registry);
    }
    if (!this.app.isBound(keys.INTERCEPTOR) && (await this.isLegacy())) {
      this.app.add(interceptorBinding(this.handler));
    }
    if (this.options.metrics.enabled) await this.getMetrics();
  }

  stop(): void {
    this.uninstallBridge?.();
    this.uninstallBridge = undefined;
  }

  /** Whether a server has a sequence other than `MiddlewareSequence`. */
  private async isLegacy(): Promise<boolean> {
    for (const {key} of this.app.findByTag(CoreTags.SERVER)) {
      const server = await this.app.get<unknown>(key);
      if (!(server instanceof Context)) continue;
      const sequence = server.getBinding(RestBindings.SEQUENCE, {
        optional: true,
      });
      // Read the bound class: resolving a sequence needs a request context.
      const bound = sequence?.valueConstructor;
      const isMiddleware =
        bound === MiddlewareSequence ||
        bound?.prototype instanceof MiddlewareSequence;
      if (sequence !== undefined && !isMiddleware) return true;
    }
    return false;
  }
}

// Under the legacy `DefaultSequence` middleware cannot carry a context into
// controllers: run a route's controller method in the request's tenant
// context. It costs every controller call, hence bound only for such servers.
function interceptorBinding(handler: TenantRequestHandler): Binding {
  const interceptor: Interceptor = async (invocationContext, next) => {
    if (hasTenantContext()) return next(); // the middleware ran
    const {REQUEST, RESPONSE} = RestBindings.Http;
    const optional = {optional: true};
    const request = await invocationContext.get(REQUEST, optional);
    const response = await invocationContext.get(RESPONSE, optional);
    if (request === undefined || response === undefined) return next();
    const {target, methodName} = invocationContext;
    const policy = tenancyPolicyOf(target.constructor, methodName);
    return handler.handle(request, response, next, policy);
  };
  return Binding.bind(keys.INTERCEPTOR)
    .to(interceptor)
    .apply(asGlobalInterceptor('tenancy'))
    .tag({[ContextTags.GLOBAL_INTERCEPTOR_SOURCE]: 'route'});
}
