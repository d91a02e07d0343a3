// Copyright loopback4-tenant-registry contributors. MIT License.

import {
  DefaultCrudRepository,
  type Entity,
  type juggler,
} from '@loopback/repository';
import debugFactory from 'debug';
import {invalidOptionError} from '../errors';
import type {TenantDataSource} from './tenant-datasource-use';
import type {
  TenantMigrateOptions,
  TenantMigration,
  TenantMigrationResult,
  TenantMigrationSummary,
} from './tenant-migration';

const debug = debugFactory('loopback:tenant-registry:schemas');

interface RunSettings extends Pick<
  TenantMigrateOptions,
  'signal' | 'onResult'
> {
  concurrency: number;
  /** The service's own signal: aborted by `stop()`. */
  stopping: AbortSignal;
  /** Never throws: a failure is a result. */
  migrateTenant(tenantId: string): Promise<TenantMigrationResult>;
}

/** Where the bound migration is read, when a tenant is migrated. */
export type MigrationSource = {
  get(): Promise<TenantMigration | undefined> | TenantMigration | undefined;
};

/** The bound migration; with one, `schemas.version` is required. */
export async function boundMigration(
  source: MigrationSource,
  version: string,
): Promise<TenantMigration | undefined> {
  const migration = await source.get();
  if (migration !== undefined && version === '') {
    throw invalidOptionError(
      'schemas.version',
      'a non-empty version when a migration function is bound at TenantRegistryBindings.TENANT_MIGRATION',
      version,
    );
  }
  return migration;
}

/** The app's migration, or autoupdate of the models' tables. */
export async function runTenantMigration(
  ds: TenantDataSource,
  tenantId: string,
  migration: TenantMigration | (typeof Entity)[],
): Promise<void> {
  const dataSource = ds as unknown as juggler.DataSource;
  if (typeof migration === 'function') return migration(dataSource, tenantId);
  // As a repository does: each model defined and attached on the DataSource.
  const names = migration.map(model => {
    new DefaultCrudRepository(model, dataSource);
    return model.definition.name;
  });
  if (names.length > 0) await ds.autoupdate(names);
}

/** `concurrency`, refused unless a positive integer of at most `maxOpen`. */
export function checkedConcurrency(concurrency: unknown, maxOpen: number) {
  if (
    typeof concurrency !== 'number' ||
    !Number.isInteger(concurrency) ||
    concurrency < 1 ||
    concurrency > maxOpen
  ) {
    const expected = `a positive integer of at most dataSources.maxOpen (${maxOpen})`;
    throw invalidOptionError('concurrency', expected, concurrency);
  }
  return concurrency;
}

/**
 * `concurrency` workers take tenants from one iterator until it ends, a
 * signal aborts, or it throws (then the run rejects once the tenants in
 * progress are done).
 */
export async function runMigrations(
  tenantIds: Iterable<string> | AsyncIterable<string>,
  run: RunSettings,
): Promise<TenantMigrationSummary> {
  const started = Date.now();
  const summary: TenantMigrationSummary = {
    ...{migrated: 0, upToDate: 0, failed: [], locked: []},
    ...{aborted: false, durationMs: 0},
  };
  const iterator =
    Symbol.asyncIterator in tenantIds
      ? tenantIds[Symbol.asyncIterator]()
      : tenantIds[Symbol.iterator]();
  let isDone = false;
  const work = async () => {
    while (!isDone) {
      if (run.signal?.aborted === true || run.stopping.aborted) {
        summary.aborted = true;
        return;
      }
      const next = await iterator.next();
      if (next.done === true) {
        isDone = true;
        return;
      }
      const result = await run.migrateTenant(next.value);
      countResult(summary, result);
      try {
        run.onResult?.(result);
      } catch (error: unknown) {
        debug('onResult threw for %s: %s', result.tenantId, error);
      }
    }
  };
  const workers = Array.from({length: run.concurrency}, () =>
    work().catch((error: unknown) => {
      isDone = true; // the list failed: the others stop taking tenants
      throw error;
    }),
  );
  for (const worker of await Promise.allSettled(workers)) {
    if (worker.status === 'rejected') throw worker.reason;
  }
  summary.durationMs = Date.now() - started;
  return summary;
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
