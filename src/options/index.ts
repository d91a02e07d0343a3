// Copyright loopback4-tenant-registry contributors. MIT License.

export type {TenantRegistryOptions} from './tenant-registry-options';
