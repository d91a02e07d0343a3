// Copyright loopback4-tenant-registry contributors. MIT License.

import {
  tenantSchemaMigratingError,
  tenantSchemaMigrationFailedError,
} from '../errors';
import type {TenantSchemaOptions} from '../options/tenant-registry-options';
import type {Clock, Milliseconds} from '../registry/tenant-scopes';
import type {TenantMigrationResult} from './tenant-migration';
import type {TenantSchemas} from './tenant-schemas.service';

/** How long a request waits for its tenant's migration by default, in ms. */
export const DEFAULT_FIRST_USE_TIMEOUT: Milliseconds = 10 * 1000;
/** `Retry-After` while a migration goes on, in seconds. */
const MIGRATING_RETRY_AFTER = 2;
/** A failed tenant is tried again after this many seconds, not on every request. */
const FAILED_RETRY_AFTER = 30;

/** How long a request waits, or `undefined` when first use does not migrate. */
export function firstUseTimeout(
  option: TenantSchemaOptions['migrateOnFirstUse'],
): Milliseconds | undefined {
  if (option === undefined || option === false) return undefined;
  if (option === true) return DEFAULT_FIRST_USE_TIMEOUT;
  return option.timeout ?? DEFAULT_FIRST_USE_TIMEOUT;
}

interface Attempt {
  readonly done: Promise<TenantMigrationResult>;
  /** When it ended `failed` (clock ms), for the retry delay. */
  failedAt?: number;
}

/**
 * `schemas.migrateOnFirstUse`: the first request of a tenant whose
 * DataSource was just opened migrates it (`TenantSchemas.migrateTenant`),
 * waiting up to the bound; later requests on that DataSource pay nothing.
 * @internal
 */
export class FirstUseMigrations {
  /** DataSources found current: a reopened DataSource is checked again. */
  private readonly current = new WeakSet<object>();
  private readonly attempts = new WeakMap<object, Attempt>();

  constructor(
    private readonly schemas: Pick<TenantSchemas, 'migrateTenant'>,
    private readonly timeout: Milliseconds,
    private readonly clock: Clock,
  ) {}

  /**
   * Resolves once the tenant's schema is current.
   *
   * @throws TenantRegistryError `TENANT_SCHEMA_MIGRATING` (the migration
   * goes on past the wait, or another migrator holds the tenant),
   * `TENANT_SCHEMA_MIGRATION_FAILED`; both 503 with `Retry-After`.
   */
  async ensureCurrent(tenantId: string, dataSource: object): Promise<void> {
    if (this.current.has(dataSource)) return;
    const attempt = this.attemptOf(tenantId, dataSource);
    const result = await withinTimeout(attempt.done, this.timeout);
    if (result === undefined) {
      throw tenantSchemaMigratingError(MIGRATING_RETRY_AFTER);
    }
    if (result.result === 'locked') {
      throw tenantSchemaMigratingError(MIGRATING_RETRY_AFTER);
    }
    if (result.result === 'failed') {
      const elapsed = (this.clock.now() - (attempt.failedAt ?? 0)) / 1000;
      const retryAfter = Math.max(1, Math.ceil(FAILED_RETRY_AFTER - elapsed));
      throw tenantSchemaMigrationFailedError(retryAfter, result.error);
    }
  }

  /** The attempt under way or the recent failure; else a new one. */
  private attemptOf(tenantId: string, dataSource: object): Attempt {
    const known = this.attempts.get(dataSource);
    const isRetryDue =
      known?.failedAt !== undefined &&
      this.clock.now() - known.failedAt >= FAILED_RETRY_AFTER * 1000;
    if (known !== undefined && !isRetryDue) return known;
    const attempt: Attempt = {
      done: this.schemas.migrateTenant(tenantId).then(result => {
        if (result.result === 'failed') attempt.failedAt = this.clock.now();
        else if (result.result === 'locked') this.attempts.delete(dataSource);
        else this.current.add(dataSource);
        return result;
      }),
    };
    this.attempts.set(dataSource, attempt);
    return attempt;
  }
}

/** `promise`'s value, or `undefined` when `timeout` ms pass first. */
async function withinTimeout<T>(
  promise: Promise<T>,
  timeout: Milliseconds,
): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<undefined>(resolve => {
    timer = setTimeout(() => resolve(undefined), timeout);
    timer.unref();
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}
