// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import * as path from 'node:path';
import * as ts from 'typescript';
import * as api from '../../src';

// The public API, values and types: every name here is a promise to users.
const VALUES = [
  'GLOBAL_TENANT',
  'InProcessTenantEvents',
  'ModelRegistry',
  'RedisTenantEvents',
  'RegistryManager',
  'TenantRegistryBindings',
  'TenantRegistryComponent',
  'TenantRegistryError',
  'TenantRegistryErrorCodes',
  'asTenantStrategy',
  'getCurrentTenant',
  'getCurrentTenantInfo',
  'installJugglerBridge',
  'runInTenant',
  'setTenantFallback',
  'tenancy',
  'tenantIdentifier',
  'validateTenantId',
];
const TYPES = [
  'AdmissionOptions',
  'DashboardOptions',
  'DataSourceOptions',
  'HealthOptions',
  'HealthThresholds',
  'HostStrategyOptions',
  'JwtStrategyOptions',
  'MemoryPressureOptions',
  'MetricsOptions',
  'Milliseconds',
  'RedisClusterClient',
  'RedisClusterOptions',
  'RedisConnection',
  'RedisConnectionOptions',
  'TenantStrategyAnswer',
  'EvictionReason',
  'JugglerBridgeOptions',
  'ModelRegistryOptions',
  'ModelRegistryStats',
  'RedisTenantEventsOptions',
  'TenantAdminService',
  'TenantAdmission',
  'TenantAdmissionCheck',
  'TenancyPolicy',
  'TenantDataSourceFactory',
  'TenantEvent',
  'TenantEvents',
  'TenantEviction',
  'TenantFallback',
  'TenantRegistryErrorCode',
  'TenantRegistryHealth',
  'TenantRegistryInfo',
  'TenantRegistryMetrics',
  'TenantRegistryOptions',
  'TenantRequest',
  'TenantResolutionStrategy',
  'TenantMigrateOptions',
  'TenantMigration',
  'TenantMigrationOutcome',
  'TenantMigrationResult',
  'TenantMigrationSummary',
  'TenantSchemaOptions',
  'TenantSchemas',
  'TenantSchemasStatus',
  'TenantsBehind',
];

describe('package exports', () => {
  it('exports exactly the public values', () => {
    expect(Object.keys(api).sort()).to.deepEqual([...VALUES].sort());
  });

  it('exports exactly the public names, types included', () => {
    const index = path.resolve(__dirname, '../../../src/index.ts');
    const program = ts.createProgram([index], {
      target: ts.ScriptTarget.ES2021,
      module: ts.ModuleKind.CommonJS,
      experimentalDecorators: true,
      skipLibCheck: true,
      noResolve: false,
    });
    const checker = program.getTypeChecker();
    const module = checker.getSymbolAtLocation(program.getSourceFile(index)!)!;
    const names = checker.getExportsOfModule(module).map(s => s.getName());
    expect(names.sort()).to.deepEqual([...VALUES, ...TYPES].sort());
    // tenantIdentifier (36th): apps name tenant schemas and databases with it;
    // getCurrentTenantInfo (37th): the admission check's record, outside DI;
    // tenancy and TenancyPolicy (39th): per-route overrides of requireTenant;
    // the option groups and TenantStrategyAnswer (51st): types only, so that
    // the API reference (docs/api) documents what users write;
    // RedisConnection, RedisClusterOptions, RedisClusterClient (54th): the
    // types of RedisTenantEvents' `redis` (Redis Cluster), same reason;
    // TenantSchemas, its option group and its migration types (61st);
    // TenantSchemasStatus and TenantsBehind (63rd): what status() returns.
    expect(names.length).to.be.belowOrEqual(63);
    // Type-checking the package takes a few seconds.
  }).timeout(60000);
});
