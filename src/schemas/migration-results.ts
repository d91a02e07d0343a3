// Copyright loopback4-tenant-registry contributors. MIT License.

import debugFactory from 'debug';
import type {TenantMigrationResult} from './tenant-migration';

const debug = debugFactory('loopback:tenant-registry:schemas');

/** The last result of at most this many tenants is kept. */
const MAX_RESULTS = 10000;
/** Ids shown of the failed and of the locked tenants. */
const SHOWN_TENANTS = 10;

/**
 * Tenant schema migrations as health, metrics and the dashboard see them
 * (`RegistryManager.getStats().schemas`).
 */
export interface TenantSchemasStatus {
  /** Results since start, by outcome (`upToDate` for `up-to-date`). */
  results: {migrated: number; upToDate: number; failed: number; locked: number};
  /** Tenants being migrated now (by a run or on first use). */
  migrating: number;
  /** Tenants whose last result is `failed`. */
  failed: number;
  /** Tenants whose last result is `locked`. */
  locked: number;
}

/** The first 10 ids of the tenants whose last result failed or was locked. */
export interface TenantsBehind {
  /** Tenants whose last migration failed. */
  failed: string[];
  /** Tenants whose last migration found the tenant locked by another. */
  locked: string[];
}

/** The last result per tenant (bounded) and the counts since start. @internal */
export class MigrationResults {
  private readonly last = new Map<string, TenantMigrationResult>();
  private readonly failed = new Set<string>();
  private readonly locked = new Set<string>();
  private readonly counts = {migrated: 0, upToDate: 0, failed: 0, locked: 0};
  private readonly listeners = new Set<(r: TenantMigrationResult) => void>();

  /** Keep `result` as its tenant's last, count it and tell the listeners. */
  record(result: TenantMigrationResult): TenantMigrationResult {
    const {tenantId, result: outcome} = result;
    this.forget(tenantId);
    this.last.set(tenantId, result);
    if (outcome === 'failed') this.failed.add(tenantId);
    if (outcome === 'locked') this.locked.add(tenantId);
    if (this.last.size > MAX_RESULTS) {
      this.forget(this.last.keys().next().value as string);
    }
    this.counts[outcome === 'up-to-date' ? 'upToDate' : outcome]++;
    for (const listener of this.listeners) {
      try {
        listener(result);
      } catch (error: unknown) {
        debug('a result listener threw: %s', error);
      }
    }
    return result;
  }

  /** Drop the tenant's last result (its schema was dropped). */
  forget(tenantId: string): void {
    this.last.delete(tenantId);
    this.failed.delete(tenantId);
    this.locked.delete(tenantId);
  }

  /** The last result of each tenant, oldest first. */
  lastResults(): TenantMigrationResult[] {
    return [...this.last.values()];
  }

  /** Hear each result; returns the function that stops it. */
  listen(listener: (result: TenantMigrationResult) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The counts, in O(1). */
  status(migrating: number): TenantSchemasStatus {
    const {failed, locked} = this;
    return {
      results: {...this.counts},
      migrating,
      failed: failed.size,
      locked: locked.size,
    };
  }

  /** The ids, in O(ids shown). */
  tenantsBehind(): TenantsBehind {
    return {failed: firstOf(this.failed), locked: firstOf(this.locked)};
  }
}

function firstOf(ids: Set<string>): string[] {
  const shown: string[] = [];
  for (const id of ids) {
    if (shown.length === SHOWN_TENANTS) break;
    shown.push(id);
  }
  return shown;
}
