// Copyright loopback4-tenant-registry contributors. MIT License.

export {GLOBAL_TENANT, getCurrentTenant, runInTenant} from './tenant-context';
export {
  getTenantFallbackStats,
  setTenantFallback,
  type TenantFallback,
  type TenantFallbackStats,
} from './tenant-fallback';
