// Copyright loopback4-tenant-registry contributors. MIT License.

import type {LifeCycleObserver} from '@loopback/core';
import {DefaultCrudRepository, type juggler} from '@loopback/repository';
import debugFactory from 'debug';
import {EventEmitter} from 'node:events';
import {runInTenant} from '../context/tenant-context';
import {validateTenantId} from '../context/tenant-id';
import type {TenantDataSourcePool} from '../datasources/tenant-datasource-pool';
import {invalidOptionError, tenantSchemaDropRefusedError} from '../errors';
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
  type SchemaStamp,
  type StampDataSource,
} from './schema-stamp';
import type {
  TenantMigrateOptions,
  TenantMigration,
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

/** `lastResults()` keeps the last result of at most this many tenants. */
const MAX_RESULTS = 10000;

type Settings = Pick<
  ResolvedTenantRegistryOptions,
  'schemas' | 'dataSources' | 'tenantIdCase' | 'maxIdentifierBytes'
>;

interface TenantDataSource extends StampDataSource {
  settings?: {schema?: unknown};
  autoupdate(models: string[]): Promise<unknown>;
}

/** The bound migration, looked up when a tenant is migrated. */
type MigrationSource = {
  get(): Promise<TenantMigration | undefined> | TenantMigration | undefined;
};

/** Holds the tenant's DataSource in the pool until `close()`. */
class MigrationHolder extends EventEmitter {
  closed = false;
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close');
  }
}

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
 * const summary = await schemas.migrate(await catalog.tenantIds());
 * if (summary.failed.length > 0) process.exitCode = 1;
 * ```
 */
export class TenantSchemas implements LifeCycleObserver {
  /** The stamp of a current tenant: `schemas.version` and the models' checksum. */
  readonly stamp: SchemaStamp;
  private readonly locks = new InProcessTenantLocks();
  private readonly results = new Map<string, TenantMigrationResult>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private stopping = new AbortController();

  /**
   * @param migration - The bound `TENANT_MIGRATION` (read when a tenant is
   * migrated: it may be bound after start), or `undefined` for autoupdate.
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
    const started = Date.now();
    const concurrency = this.concurrencyOf(options.concurrency);
    const summary: TenantMigrationSummary = {
      ...{migrated: 0, upToDate: 0, failed: [], locked: []},
      ...{aborted: false, durationMs: 0},
    };
    const iterator =
      Symbol.asyncIterator in tenantIds
        ? tenantIds[Symbol.asyncIterator]()
        : tenantIds[Symbol.iterator]();
    const {signal, onResult, createSchemas: createSchema} = options;
    let isDone = false;
    const work = async () => {
      while (!isDone) {
        const isStopping = this.stopping.signal.aborted;
        if (signal?.aborted === true || isStopping) {
          return void (summary.aborted = true);
        }
        const next = await iterator.next();
        if (next.done === true) return void (isDone = true);
        const result = await this.migrateTenant(next.value, {createSchema});
        countResult(summary, result);
        try {
          onResult?.(result);
        } catch (error: unknown) {
          debug('onResult threw for %s: %s', result.tenantId, error);
        }
      }
    };
    const workers = Array.from({length: concurrency}, () =>
      work().catch((error: unknown) => {
        isDone = true; // the list failed: the others stop taking tenants
        throw error;
      }),
    );
    const settled = await Promise.allSettled(workers);
    for (const worker of settled) {
      if (worker.status === 'rejected') throw worker.reason;
    }
    summary.durationMs = Date.now() - started;
    return summary;
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
    return this.record({tenantId: id, ...outcome, durationMs});
  }

  /** Whether the tenant's stamp is current (reads it from its schema). */
  isCurrent(tenantId: string): Promise<boolean> {
    return this.withDataSource(this.normalize(tenantId), async ds =>
      isSameStamp(await readStamp(ds), this.stamp),
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
      this.withDataSource(id, async ds => {
        const pgPool = pgPoolOfDataSource(ds);
        if (pgPool === undefined) {
          throw refuse('its DataSource is not a PostgreSQL one');
        }
        const schema = this.schemaOf(ds, id);
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
    this.results.delete(id);
    await this.evictEverywhere(id);
  }

  /** The last result of each tenant (of the last 10,000), oldest first. */
  lastResults(): TenantMigrationResult[] {
    return [...this.results.values()];
  }

  private async migrateNow(
    id: string,
    createSchema: boolean,
  ): Promise<TenantMigrationOutcome> {
    if (this.stopping.signal.aborted) {
      throw new Error('the application is stopping');
    }
    const migration = await this.migrationToRun();
    return this.withDataSource(id, async ds => {
      if (isSameStamp(await readStamp(ds), this.stamp)) return 'up-to-date';
      const lock = await this.lock(ds, id);
      if (lock === undefined) return 'locked';
      try {
        if (createSchema && pgPoolOfDataSource(ds) !== undefined) {
          const schema = quoted(this.schemaOf(ds, id));
          await ds.execute(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
        }
        // Another migrator may have finished it while this one waited.
        if (isSameStamp(await readStamp(ds), this.stamp)) {
          return 'up-to-date';
        }
        await ds.autoupdate([STAMP_MODEL]);
        await this.runMigration(ds, id, migration);
        await writeStamp(stampModelOf(ds), this.stamp);
        return 'migrated';
      } finally {
        await lock.release();
      }
    });
  }

  /** The bound migration; with one, a version is required. */
  private async migrationToRun(): Promise<TenantMigration | undefined> {
    const migration = await this.migration.get();
    const {version} = this.settings.schemas;
    if (migration !== undefined && version === '') {
      throw invalidOptionError(
        'schemas.version',
        'a non-empty version when a migration function is bound at TenantRegistryBindings.TENANT_MIGRATION',
        version,
      );
    }
    return migration;
  }

  private async runMigration(
    ds: TenantDataSource,
    id: string,
    migration: TenantMigration | undefined,
  ): Promise<void> {
    const dataSource = ds as unknown as juggler.DataSource;
    if (migration !== undefined) return migration(dataSource, id);
    // As a repository does: each model defined and attached on the DataSource.
    const names = this.settings.schemas.models.map(model => {
      new DefaultCrudRepository(model, dataSource);
      return model.definition.name;
    });
    if (names.length > 0) await ds.autoupdate(names);
  }

  /** PostgreSQL's advisory lock; elsewhere the in-process one only. */
  private lock(ds: object, id: string): Promise<TenantLock | undefined> {
    const pgPool = pgPoolOfDataSource(ds);
    if (pgPool === undefined) return Promise.resolve({release: async () => {}});
    const {lockTimeout} = this.settings.schemas;
    return acquirePgLock(pgPool, id, lockTimeout, this.stopping.signal);
  }

  /**
   * `fn` with the tenant's DataSource, inside the tenant (a lease: not
   * evicted meanwhile). A DataSource opened for this goes after, so that
   * migrating a fleet does not push traffic's idle tenants out of the pool.
   */
  private async withDataSource<T>(
    id: string,
    fn: (ds: TenantDataSource) => Promise<T>,
  ): Promise<T> {
    const holder = new MigrationHolder();
    const wasLive = this.registry.hasTenant(id);
    try {
      return await runInTenant(id, async () =>
        fn((await this.pool.get(id, holder)) as TenantDataSource),
      );
    } finally {
      holder.close();
      if (!wasLive && !this.registry.isLeased(id)) {
        this.registry.evictTenant(id, 'manual');
      }
    }
  }

  /** The schema to create or drop, checked against the DataSource's own. */
  private schemaOf(ds: TenantDataSource, id: string): string {
    const name = this.settings.schemas.schemaName(id);
    const maxBytes = this.settings.maxIdentifierBytes;
    const own = ds.settings?.schema;
    const fits = typeof name === 'string' && name !== '';
    if (!fits || Buffer.byteLength(name) > maxBytes || name.includes('\0')) {
      const expected = `a schema name of 1 to ${maxBytes} bytes`;
      throw invalidOptionError('schemas.schemaName', expected, name);
    }
    if (own !== undefined && own !== name) {
      const expected = `the schema of the tenant's DataSource, ${JSON.stringify(own)}`;
      throw invalidOptionError('schemas.schemaName', expected, name);
    }
    return name;
  }

  private async evictEverywhere(id: string): Promise<void> {
    if (this.admin !== undefined) await this.admin.evictTenantEverywhere(id);
    else this.registry.evictTenant(id, 'external');
  }

  private normalize(tenantId: string): string {
    const id = validateTenantId(tenantId);
    return this.settings.tenantIdCase === 'lowercase' ? id.toLowerCase() : id;
  }

  private concurrencyOf(given: number | undefined): number {
    const concurrency = given ?? this.settings.schemas.concurrency;
    const {maxOpen} = this.settings.dataSources;
    if (
      !Number.isInteger(concurrency) ||
      concurrency < 1 ||
      concurrency > maxOpen
    ) {
      const expected = `a positive integer of at most dataSources.maxOpen (${maxOpen})`;
      throw invalidOptionError('concurrency', expected, concurrency);
    }
    return concurrency;
  }

  private record(result: TenantMigrationResult): TenantMigrationResult {
    this.results.delete(result.tenantId);
    this.results.set(result.tenantId, result);
    if (this.results.size > MAX_RESULTS) {
      this.results.delete(this.results.keys().next().value as string);
    }
    return result;
  }
}

function countResult(
  summary: TenantMigrationSummary,
  {tenantId, result, error}: TenantMigrationResult,
): void {
  if (result === 'migrated') summary.migrated++;
  else if (result === 'up-to-date') summary.upToDate++;
  else if (result === 'locked') summary.locked.push(tenantId);
  else summary.failed.push({tenantId, error});
}

/** An SQL identifier, quoted (any `"` doubled). */
function quoted(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
