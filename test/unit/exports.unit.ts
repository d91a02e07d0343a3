// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import * as api from '../../src';

describe('package exports', () => {
  it('exports exactly the public API', () => {
    expect(Object.keys(api).sort()).to.deepEqual([
      'BUILT_IN_STRATEGIES',
      'DEFAULT_TENANT_REGISTRY_OPTIONS',
      'EVICTION_REASONS',
      'GLOBAL_TENANT',
      'HeaderTenantStrategy',
      'HostTenantStrategy',
      'InProcessTenantEvents',
      'JwtTenantStrategy',
      'MAX_TENANT_ID_LENGTH',
      'ModelRegistry',
      'QueryTenantStrategy',
      'RedisTenantEvents',
      'RegistryManager',
      'TENANCY_MIDDLEWARE_GROUP',
      'TenantDataSourceCache',
      'TenantDataSourceCacheProvider',
      'TenantDataSourceProvider',
      'TenantInterceptorProvider',
      'TenantMiddlewareProvider',
      'TenantRegistry',
      'TenantRegistryBindings',
      'TenantRegistryComponent',
      'TenantRegistryError',
      'TenantRegistryErrorCodes',
      'TenantRegistryMetrics',
      'UnkeyableStructureError',
      'checkHealth',
      'computeStructureKey',
      'getCurrentTenant',
      'getTenantFallbackStats',
      'installJugglerBridge',
      'isJugglerBridgeInstalled',
      'isValidTenantId',
      'parseTenantEvent',
      'resolveOptions',
      'resolveTenantId',
      'runInTenant',
      'setTenantFallback',
      'validateTenantId',
    ]);
  });
});
