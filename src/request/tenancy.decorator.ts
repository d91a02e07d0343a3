// Copyright loopback4-tenant-registry contributors. MIT License.

import {
  ClassDecoratorFactory,
  CoreBindings,
  MetadataAccessor,
  MetadataInspector,
  MethodDecoratorFactory,
  type Context,
} from '@loopback/core';

/**
 * How a route treats the tenant, overriding the component's `requireTenant`:
 * - `skip`: no strategy runs and no tenant is admitted (a public route, a
 *   webhook that must ignore a client's tenant header);
 * - `optional`: a request without a tenant runs in the global scope even
 *   under `requireTenant: true` (`TENANT_DATASOURCE` then falls back to
 *   `DEFAULT_DATASOURCE`);
 * - `required`: a request without a tenant is refused at the door with 400
 *   `TENANT_REQUIRED`, whether or not the route uses the tenant.
 */
export type TenancyPolicy = 'skip' | 'optional' | 'required';

const POLICY = MetadataAccessor.create<
  TenancyPolicy,
  ClassDecorator | MethodDecorator
>('tenant-registry:tenancy');

/** Set once a decorator ran: until then no request looks for a policy. */
let anyPolicy = false;

function decorate(policy: TenancyPolicy): ClassDecorator & MethodDecorator {
  const decorator = (
    target: object,
    member?: string | symbol,
    descriptor?: TypedPropertyDescriptor<unknown>,
  ): void => {
    anyPolicy = true;
    if (member === undefined) {
      ClassDecoratorFactory.createDecorator(POLICY, policy)(target as Function);
    } else {
      MethodDecoratorFactory.createDecorator(POLICY, policy)(
        target,
        member,
        descriptor!,
      );
    }
  };
  return decorator as ClassDecorator & MethodDecorator;
}

/**
 * Per-route overrides of `requireTenant`, on a controller method or a whole
 * controller class (a method's decorator wins over its class's), in the
 * spirit of `@authenticate.skip()`.
 *
 * @example
 * ```ts
 * class StatusController {
 *   @tenancy.skip()
 *   @get('/status')
 *   status() {
 *     return {up: true};
 *   }
 * }
 * ```
 */
export const tenancy = {
  /** Resolve no tenant on this route, whatever the request says. */
  skip: () => decorate('skip'),
  /** Without a tenant, run in the global scope even under `requireTenant`. */
  optional: () => decorate('optional'),
  /** Without a tenant, answer 400 `TENANT_REQUIRED` before the route runs. */
  required: () => decorate('required'),
};

/** The policy of a controller method, else of its class. @internal */
export function tenancyPolicyOf(
  controllerClass: Function,
  methodName: string,
): TenancyPolicy | undefined {
  const prototype = controllerClass.prototype as object;
  return (
    MetadataInspector.getMethodMetadata(POLICY, prototype, methodName) ??
    MetadataInspector.getClassMetadata(POLICY, controllerClass)
  );
}

/** The policy of the route a request context found, if any. @internal */
export function routeTenancyPolicy(
  context: Context,
): TenancyPolicy | undefined {
  if (!anyPolicy) return undefined;
  const optional = {optional: true};
  const controller = context.getSync(CoreBindings.CONTROLLER_CLASS, optional);
  const method = context.getSync(CoreBindings.CONTROLLER_METHOD_NAME, optional);
  if (controller === undefined || method === undefined) return undefined;
  return tenancyPolicyOf(controller, method);
}
