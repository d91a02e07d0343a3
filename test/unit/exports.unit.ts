// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import * as api from '../../src';

describe('package exports', () => {
  it('exports exactly the public API', () => {
    expect(Object.keys(api).sort()).to.deepEqual([
      'EVICTION_REASONS',
      'GLOBAL_TENANT',
      'MAX_TENANT_ID_LENGTH',
      'ModelRegistry',
      'TenantRegistry',
      'TenantRegistryError',
      'TenantRegistryErrorCodes',
      'UnkeyableStructureError',
      'computeStructureKey',
      'getCurrentTenant',
      'getTenantFallbackStats',
      'installJugglerBridge',
      'isJugglerBridgeInstalled',
      'isValidTenantId',
      'runInTenant',
      'setTenantFallback',
      'validateTenantId',
    ]);
  });
});
