// Copyright loopback4-tenant-registry contributors. MIT License.

export {ModelRegistry} from './model-registry';
export type {ModelRegistryOptions} from './model-registry-options';
export type {
  EvictionReason,
  ModelRegistryStats,
  TenantEviction,
  TenantRegistryInfo,
} from './registry-stats';
