// Copyright loopback4-tenant-registry contributors. MIT License.

export {ModelRegistry, type ModelRegistryOptions} from './model-registry';
export type {
  EvictionReason,
  ModelRegistryStats,
  TenantEviction,
  TenantRegistryInfo,
} from './registry-stats';
