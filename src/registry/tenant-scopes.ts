// Copyright loopback4-tenant-registry contributors. MIT License.

import {GLOBAL_TENANT} from '../context/tenant-context';
import type {Clock} from './clock';
import type {ModelRecord} from './model-record';
import {TenantRegistry} from './tenant-registry';

/**
 * Every scope of a `ModelRegistry`: the global one, and tenant ones in
 * least-recently-used order (a `Map` keeps insertion order; touching a tenant
 * moves it to the end), plus the reverse index from model class to record.
 *
 * @internal
 */
export class TenantScopes {
  /** The global scope; never evicted. */
  readonly global: TenantRegistry;
  private readonly tenants = new Map<string, TenantRegistry>();
  private readonly recordsByModel = new WeakMap<object, ModelRecord>();

  constructor(private readonly clock: Clock) {
    this.global = new TenantRegistry(GLOBAL_TENANT, clock.now(), false);
  }

  /** The scope's registry, if it exists (never created here). */
  get(scope: string): TenantRegistry | undefined {
    return scope === GLOBAL_TENANT ? this.global : this.tenants.get(scope);
  }

  /** A tenant's registry, created (as most recently used) when missing. */
  getOrCreate(scope: string): TenantRegistry {
    const existing = this.get(scope);
    if (existing !== undefined) return existing;
    const registry = new TenantRegistry(scope, this.clock.now(), true);
    this.tenants.set(scope, registry);
    return registry;
  }

  /** Mark a scope as used now and move it to the most recent end. */
  touch(registry: TenantRegistry): void {
    registry.lastAccessed = this.clock.now();
    if (registry === this.global) return;
    this.tenants.delete(registry.tenantId);
    this.tenants.set(registry.tenantId, registry);
  }

  /** Drop a tenant's registry and its models from the reverse index. */
  remove(registry: TenantRegistry, records: readonly ModelRecord[]): void {
    this.tenants.delete(registry.tenantId);
    for (const record of records) this.recordsByModel.delete(record.model);
  }

  index(record: ModelRecord): void {
    this.recordsByModel.set(record.model, record);
  }

  /** The registry's record for a model class, if any. */
  readonly recordOf = (model: unknown): ModelRecord | undefined =>
    typeof model === 'function' ? this.recordsByModel.get(model) : undefined;

  /** Tenant registries, least recently used first. */
  tenantRegistries(): IterableIterator<TenantRegistry> {
    return this.tenants.values();
  }

  has(tenantId: string): boolean {
    return this.tenants.has(tenantId);
  }

  /** The clock's time. */
  now(): number {
    return this.clock.now();
  }

  get tenantCount(): number {
    return this.tenants.size;
  }
}
