// Copyright loopback4-tenant-registry contributors. MIT License.

export type {TenantRequest, TenantResolutionStrategy} from './tenant-strategy';
export {asTenantStrategy} from './as-tenant-strategy';
