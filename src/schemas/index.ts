// Copyright loopback4-tenant-registry contributors. MIT License.

export type {TenantSchemas} from './tenant-schemas.service';
export type {
  TenantMigrateOptions,
  TenantMigration,
  TenantMigrationOutcome,
  TenantMigrationResult,
  TenantMigrationSummary,
} from './tenant-migration';
export type {TenantSchemasStatus, TenantsBehind} from './migration-results';
