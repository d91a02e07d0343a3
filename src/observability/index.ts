// Copyright loopback4-tenant-registry contributors. MIT License.

export type {TenantRegistryHealth} from './tenant-health';
export type {TenantRegistryMetrics} from './tenant-metrics';
