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
// The option groups, so that the API reference documents their fields.
export type {
  AdmissionOptions,
  DashboardOptions,
  DataSourceOptions,
  HealthOptions,
  HealthThresholds,
  HostStrategyOptions,
  JwtStrategyOptions,
  MemoryPressureOptions,
  MetricsOptions,
} from './options/tenant-registry-options';
export type {TenantSchemaOptions} from './options/tenant-registry-options';
export type {Milliseconds} from './registry/tenant-scopes';
export type {
  RedisClusterClient,
  RedisClusterOptions,
  RedisConnection,
  RedisConnectionOptions,
} from './fleet/redis-connection';
export type {TenantStrategyAnswer} from './resolution/tenant-strategy';
export * from './registry';
export {tenancy, type TenancyPolicy} from './request/tenancy.decorator';
export * from './resolution';
export * from './schemas';
export * from './services';
