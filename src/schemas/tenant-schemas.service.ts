// Copyright loopback4-tenant-registry contributors. MIT License.

import type {LifeCycleObserver} from '@loopback/core';
import debugFactory from 'debug';
import {validateTenantId} from '../context/tenant-id';
import type {TenantDataSourcePool} from '../datasources/tenant-datasource-pool';
import {tenantSchemaDropRefusedError} from '../errors';
import type {ResolvedTenantRegistryOptions} from '../options/tenant-registry-options';
import type {ModelRegistry} from '../registry/model-registry';
import type {TenantAdminService} from '../services/tenant-admin.service';
import {
  isSameStamp,
  modelsChecksum,
  readStamp,
  stampModelOf,
  STAMP_MODEL,
  writeStamp,
} from './schema-stamp';
import {checkedSchemaName, quoted} from './schema-name';
import {
  boundMigration,
  checkedConcurrency,
  runMigrations,
  runTenantMigration,
  type MigrationSource,
} from './migration-run';
import {
  MigrationResults,
  type TenantsBehind,
  type TenantSchemasStatus,
} from './migration-results';
import {withTenantDataSource} from './tenant-datasource-use';
import type {
  TenantMigrateOptions,
  TenantMigrationOutcome,
  TenantMigrationResult,
  TenantMigrationSummary,
} from './tenant-migration';
import {
  acquirePgLock,
  InProcessTenantLocks,
  pgPoolOfDataSource,
  type TenantLock,
} from './tenant-lock';

const debug = debugFactory('loopback:tenant-registry:schemas');

type Settings = Pick<
  ResolvedTenantRegistryOptions,
  'schemas' | 'dataSources' | 'tenantIdCase' | 'maxIdentifierBytes'
>;

/**
 * Migrates tenants' schemas through their DataSources in the pool: `autoupdate`
 * of `schemas.models`, or the bound `TENANT_MIGRATION`, then a stamp in the
 * tenant's own `tenant_registry_schema` table so that a tenant is migrated
 * once per change. See docs/datasources.md ("Tenant schemas").
 *
 * @remarks
 * At most `concurrency` tenants at once, each holding one DataSource slot;
 * one tenant's failure is reported and the others go on. On PostgreSQL each
 * tenant is migrated under a session advisory lock, so two migrators (two
 * instances, the command and an app) never migrate one tenant at once; on
 * other connectors the lock is this process's only.
 *
 * @example
 * ```ts
 * const schemas = await app.get(TenantRegistryBindings.TENANT_SCHEMAS);
 * const summary = await schemas.migrate(await catalog.tenantIds(), {
 *   concurrency: 2,
 *   onResult: r => log.info('%s: %s in %d ms', r.tenantId, r.result, r.durationMs),
 * });
 * const {migrated, upToDate, failed, locked} = summary;
 * for (const {tenantId, error} of failed) log.error(tenantId, error);
 * if (failed.length + locked.length > 0) process.exitCode = 1;
 * ```
 */
export class TenantSchemas implements LifeCycleObserver {
  /** The stamp of a current tenant: `schemas.version` and the models' checksum. */
  readonly stamp: {readonly version: string; readonly checksum: string};
  private readonly locks = new InProcessTenantLocks();
  private readonly results = new MigrationResults();
  private readonly inFlight = new Set<Promise<unknown>>();
  private stopping = new AbortController();

  /**
   * Built by the component (bound at `TENANT_SCHEMAS`).
   *
   * @param migration - Where the bound `TENANT_MIGRATION` is read, when a
   * tenant is migrated (it may be bound after start).
   * @internal
   */
  constructor(
    private readonly registry: Pick<
      ModelRegistry,
      'hasTenant' | 'isLeased' | 'evictTenant'
    >,
    private readonly pool: Pick<TenantDataSourcePool, 'get'>,
    private readonly settings: Settings,
    private readonly migration: MigrationSource = {get: () => undefined},
    private readonly admin?: Pick<TenantAdminService, 'evictTenantEverywhere'>,
  ) {
    const {version, models} = settings.schemas;
    this.stamp = {version, checksum: modelsChecksum(models)};
  }

  /** Accept migrations again after a `stop()`. */
  start(): void {
    if (this.stopping.signal.aborted) this.stopping = new AbortController();
  }

  /**
   * Stop: runs take no more tenants, lock waits give up (`locked`), and it
   * resolves once the tenants in progress are done, before the DataSource
   * pool (which stops after it) closes their DataSources under them.
   */
  async stop(): Promise<void> {
    this.stopping.abort();
    while (this.inFlight.size > 0) await Promise.allSettled(this.inFlight);
  }

  /**
   * Migrate each tenant of `tenantIds` (an array, a generator, or an async
   * iterable paging a catalog), `concurrency` at once.
   *
   * @returns The summary; it rejects only for a bad `concurrency` or when
   * `tenantIds` itself throws (after the tenants in progress are done).
   */
  async migrate(
    tenantIds: Iterable<string> | AsyncIterable<string>,
    options: TenantMigrateOptions = {},
  ): Promise<TenantMigrationSummary> {
    const concurrency = checkedConcurrency(
      options.concurrency ?? this.settings.schemas.concurrency,
      this.settings.dataSources.maxOpen,
    );
    const createSchema = options.createSchemas === true;
    return runMigrations(tenantIds, {
      ...options,
      concurrency,
      stopping: this.stopping.signal,
      migrateTenant: id => this.migrateTenant(id, {createSchema}),
    });
  }

  /**
   * Migrate one tenant now, under its lock (the first-use hook's call);
   * never throws: a bad id or any failure is `result: 'failed'`.
   */
  async migrateTenant(
    tenantId: string,
    options: {createSchema?: boolean} = {},
  ): Promise<TenantMigrationResult> {
    const started = Date.now();
    let id: string;
    try {
      id = this.normalize(tenantId);
    } catch (error: unknown) {
      const tenant = typeof tenantId === 'string' ? tenantId : String(tenantId);
      return {tenantId: tenant, result: 'failed', error, durationMs: 0};
    }
    const migrating = this.locks.run(id, () =>
      this.migrateNow(id, options.createSchema === true),
    );
    this.inFlight.add(migrating);
    const outcome = await migrating
      .finally(() => this.inFlight.delete(migrating))
      .then(
        result => ({result}),
        (error: unknown) => {
          debug('migrating %s failed: %s', id, error);
          return {result: 'failed' as const, error};
        },
      );
    const durationMs = Date.now() - started;
    return this.results.record({tenantId: id, ...outcome, durationMs});
  }

  /** Whether the tenant's stamp is current (reads it from its schema). */
  isCurrent(tenantId: string): Promise<boolean> {
    return withTenantDataSource(
      this.registry,
      this.pool,
      this.normalize(tenantId),
      async ds => isSameStamp(await readStamp(ds), this.stamp),
    );
  }

  /**
   * Create the tenant's schema (`CREATE SCHEMA IF NOT EXISTS`, the name
   * quoted; on PostgreSQL only) and migrate it: onboarding.
   */
  createTenantSchema(tenantId: string): Promise<TenantMigrationResult> {
    return this.migrateTenant(tenantId, {createSchema: true});
  }

  /**
   * Drop the tenant's schema and everything in it (`DROP SCHEMA ... CASCADE`):
   * offboarding. Evicts the tenant fleet-wide first (and again after, for an
   * instance that reopened it meanwhile), and drops under the tenant's lock.
   *
   * @param options - `confirm`: the tenant id again.
   * @throws TenantRegistryError `TENANT_SCHEMA_DROP_REFUSED` unless
   * `schemas.allowDrop` is on and `confirm` is the id; `INVALID_TENANT_ID`;
   * `TENANT_EVENTS_UNAVAILABLE` (nothing dropped).
   */
  async dropTenantSchema(
    tenantId: string,
    options: {confirm: string},
  ): Promise<void> {
    const id = this.normalize(tenantId);
    const refuse = (reason: string) => tenantSchemaDropRefusedError(id, reason);
    if (!this.settings.schemas.allowDrop) {
      throw refuse('the option `schemas.allowDrop` is off');
    }
    if (options?.confirm !== tenantId) {
      throw refuse('pass {confirm: tenantId}, the same id, to confirm');
    }
    await this.evictEverywhere(id);
    await this.locks.run(id, () =>
      withTenantDataSource(this.registry, this.pool, id, async ds => {
        const pgPool = pgPoolOfDataSource(ds);
        if (pgPool === undefined) {
          throw refuse('its DataSource is not a PostgreSQL one');
        }
        const schema = checkedSchemaName(this.settings, ds, id);
        const timeout = this.settings.schemas.lockTimeout;
        const lock = await acquirePgLock(pgPool, id, timeout);
        if (lock === undefined) throw refuse('a migration holds it');
        try {
          await ds.execute(`DROP SCHEMA IF EXISTS ${quoted(schema)} CASCADE`);
        } finally {
          await lock.release();
        }
      }),
    );
    this.results.forget(id);
    await this.evictEverywhere(id);
  }

  /** The last result of each tenant (of the last 10,000), oldest first. */
  lastResults(): TenantMigrationResult[] {
    return this.results.lastResults();
  }

  /** Results since start, and how many tenants' last result failed or was locked. */
  status(): TenantSchemasStatus {
    return this.results.status(this.inFlight.size);
  }

  /** The first 10 ids of the tenants whose last result failed or was locked. */
  tenantsBehind(): TenantsBehind {
    return this.results.tenantsBehind();
  }

  /** Hear each result (metrics); returns the function that stops it. @internal */
  listen(listener: (result: TenantMigrationResult) => void): () => void {
    return this.results.listen(listener);
  }

  private async migrateNow(
    id: string,
    createSchema: boolean,
  ): Promise<TenantMigrationOutcome> {
    if (this.stopping.signal.aborted) {
      throw new Error('the application is stopping');
    }
    const {version, models} = this.settings.schemas;
    const migration = await boundMigration(this.migration, version);
    return withTenantDataSource(this.registry, this.pool, id, async ds => {
      if (isSameStamp(await readStamp(ds), this.stamp)) return 'up-to-date';
      const lock = await this.lock(ds, id);
      if (lock === undefined) return 'locked';
      try {
        if (createSchema && pgPoolOfDataSource(ds) !== undefined) {
          const schema = quoted(checkedSchemaName(this.settings, ds, id));
          await ds.execute(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
        }
        // Another migrator may have finished it while this one waited.
        if (isSameStamp(await readStamp(ds), this.stamp)) {
          return 'up-to-date';
        }
        await ds.autoupdate([STAMP_MODEL]);
        await runTenantMigration(ds, id, migration ?? models);
        await writeStamp(stampModelOf(ds), this.stamp);
        return 'migrated';
      } finally {
        await lock.release();
      }
    });
  }

  /** PostgreSQL's advisory lock; elsewhere the in-process one only. */
  private lock(ds: object, id: string): Promise<TenantLock | undefined> {
    const pgPool = pgPoolOfDataSource(ds);
    if (pgPool === undefined) return Promise.resolve({release: async () => {}});
    const {lockTimeout} = this.settings.schemas;
    return acquirePgLock(pgPool, id, lockTimeout, this.stopping.signal);
  }

  private async evictEverywhere(id: string): Promise<void> {
    if (this.admin !== undefined) await this.admin.evictTenantEverywhere(id);
    else this.registry.evictTenant(id, 'external');
  }

  private normalize(tenantId: string): string {
    const id = validateTenantId(tenantId);
    return this.settings.tenantIdCase === 'lowercase' ? id.toLowerCase() : id;
  }
}
