// Copyright loopback4-tenant-registry contributors. MIT License.

export {GLOBAL_TENANT, getCurrentTenant, runInTenant} from './tenant-context';
export {setTenantFallback, type TenantFallback} from './tenant-context';
export {getCurrentTenantInfo} from './tenant-context';
export {validateTenantId} from './tenant-id';
export {tenantIdentifier} from './tenant-identifier';
