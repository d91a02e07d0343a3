// Copyright loopback4-tenant-registry contributors. MIT License.

/**
 * A tenant-aware model registry for LoopBack 4: it stops
 * loopback-datasource-juggler from keeping every anonymous model it builds
 * for nested object properties, per tenant, forever.
 *
 * @packageDocumentation
 */

export * from './admission';
export * from './bridge';
export * from './component';
export * from './context';
export * from './datasources';
export {
  TenantRegistryError,
  TenantRegistryErrorCodes,
  type TenantRegistryErrorCode,
} from './errors';
export * from './fleet';
export * from './keys';
export * from './observability';
export {RegistryManager} from './observers/registry-manager.observer';
export type {TenantRegistryOptions} from './options/tenant-registry-options';
export * from './registry';
export {tenancy, type TenancyPolicy} from './request/tenancy.decorator';
export * from './resolution';
export * from './services';
