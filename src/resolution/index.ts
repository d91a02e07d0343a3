// Copyright loopback4-tenant-registry contributors. MIT License.

export {asTenantStrategy} from './tenant-strategy';
export type {TenantRequest, TenantResolutionStrategy} from './tenant-strategy';
