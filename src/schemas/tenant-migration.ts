// Copyright loopback4-tenant-registry contributors. MIT License.

import type {juggler} from '@loopback/repository';
import type {Milliseconds} from '../registry/tenant-scopes';

/**
 * An application's own migration of one tenant, bound at
 * `TenantRegistryBindings.TENANT_MIGRATION`: it replaces `autoupdate` of
 * `schemas.models` (the stamp is still kept, so `schemas.version` is
 * required). It runs on the tenant's DataSource, inside the tenant
 * (`getCurrentTenant()`), under the tenant's lock; a throw fails the tenant
 * alone. Make it idempotent: a migrator killed after it ran and before the
 * stamp was written runs it again.
 *
 * @example
 * ```ts
 * app.bind(TenantRegistryBindings.TENANT_MIGRATION).to(async (ds, tenantId) => {
 *   await ds.execute('ALTER TABLE orders ADD COLUMN IF NOT EXISTS note text');
 * });
 * ```
 */
export type TenantMigration = (
  dataSource: juggler.DataSource,
  tenantId: string,
) => Promise<void>;

/**
 * What happened to one tenant: `migrated`, already `up-to-date` (its stamp
 * is current), `failed` (see `error`), or `locked` (another migrator held
 * it for longer than `schemas.lockTimeout`; nothing was done).
 */
export type TenantMigrationOutcome =
  'migrated' | 'up-to-date' | 'failed' | 'locked';

/** One tenant's migration, as `migrate()` reports it. */
export interface TenantMigrationResult {
  /** The tenant, as validated (lower-cased under `tenantIdCase: 'lowercase'`). */
  readonly tenantId: string;
  /** What happened. */
  readonly result: TenantMigrationOutcome;
  /** Why it failed (`result: 'failed'` only). */
  readonly error?: unknown;
  /** How long it took, lock wait included, in ms. */
  readonly durationMs: Milliseconds;
}

/** The end of a `migrate()` run. */
export interface TenantMigrationSummary {
  /** Tenants migrated by this run. */
  migrated: number;
  /** Tenants that were current already (or made so by another migrator). */
  upToDate: number;
  /** Each tenant that failed, with its error; the others went on. */
  failed: {tenantId: string; error: unknown}[];
  /** Tenants skipped because another migrator held them too long. */
  locked: string[];
  /** Whether the signal stopped the run before every tenant was taken. */
  aborted: boolean;
  /** How long the run took, in ms. */
  durationMs: Milliseconds;
}

/** Options of one `migrate()` run. */
export interface TenantMigrateOptions {
  /**
   * Tenants migrated at once (a positive integer), at most
   * `dataSources.maxOpen`. @defaultValue `schemas.concurrency`
   */
  concurrency?: number;
  /** Hears each tenant's result as it comes (progress bars, logs). */
  onResult?: (result: TenantMigrationResult) => void;
  /** Stops taking tenants; those in progress finish. */
  signal?: AbortSignal;
  /**
   * Create each tenant's schema first (`CREATE SCHEMA IF NOT EXISTS`, on
   * PostgreSQL). @defaultValue false
   */
  createSchemas?: boolean;
}
