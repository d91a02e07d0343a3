// Copyright loopback4-tenant-registry contributors. MIT License.

import type {ModelBuilderLike, ModelClassLike} from '../bridge/juggler-shapes';
import {GLOBAL_TENANT} from '../context/tenant-context';
import {validateTenantId} from '../context/tenant-id';
import {
  acquireLeaseOn,
  isTenantLeased,
  type TenantLease,
} from '../context/tenant-lease';
import {ModelScope, type ModelRecord} from './model-scope';
import type {TenantRegistryInfo} from './registry-stats';

/** A duration, or a time since the epoch (`Date.now()`), in milliseconds. */
export type Milliseconds = number;

/** A source of time (a test seam). */
export interface Clock {
  now(): Milliseconds;
}

/** How `getTenantRegistryInfo` orders and limits its lines. */
export interface TenantInfoQuery {
  /** LRU first, or the most models first. @defaultValue `'lastAccessed'` */
  orderBy?: 'lastAccessed' | 'models';
  /** At most this many lines. @defaultValue every live tenant */
  limit?: number;
}

/**
 * Every scope of a `ModelRegistry`, tenant ones in least-recently-used order,
 * the reverse index from class to record, and the lookup counts. The order
 * is a linked list through the scopes, not the `Map`'s: delete-then-set
 * leaves dead entries in a hot key's hash chain (docs/performance.md).
 */
export class TenantScopes {
  readonly global: ModelScope;
  readonly tally = new ModelTally();
  hits = 0;
  misses = 0;
  modelsCreated = 0;
  /** The newest tenant scope's serial. */
  lastSerial = 0;
  private readonly tenants = new Map<string, ModelScope>();
  private oldest: ModelScope | undefined;
  private newest: ModelScope | undefined;
  private readonly cursors: {next: ModelScope | undefined}[] = [];
  private readonly recordsByModel = new WeakMap<object, ModelRecord>();

  constructor(
    readonly clock: Clock,
    private readonly makeRoom?: () => void,
  ) {
    this.global = new ModelScope(GLOBAL_TENANT, clock.now(), false);
  }

  get(scopeId: string): ModelScope | undefined {
    return scopeId === GLOBAL_TENANT ? this.global : this.tenants.get(scopeId);
  }

  /** A scope, created as the most recently used when missing. */
  getOrCreate(scopeId: string): ModelScope {
    const existing = this.get(scopeId);
    if (existing !== undefined) return existing;
    this.makeRoom?.();
    const scope = new ModelScope(scopeId, this.clock.now(), true);
    scope.serial = ++this.lastSerial;
    this.tenants.set(scopeId, scope);
    this.append(scope);
    this.tally.add(scope);
    return scope;
  }

  /** A tenant's scope, created when missing, touched: it takes ownership. */
  owner(tenantId: string): ModelScope {
    const scope = this.getOrCreate(validateTenantId(tenantId));
    this.touch(scope);
    return scope;
  }

  /** Register a model juggler built in a scope (created when missing). */
  register(
    scopeId: string,
    builder: ModelBuilderLike,
    key: string,
    model: ModelClassLike,
  ): void {
    const scope = this.getOrCreate(scopeId);
    this.recordsByModel.set(model, scope.registerModel(builder, key, model));
    this.modelsCreated++;
    this.touch(scope);
  }

  /** Count a lookup in `scope`; a hit touches it. */
  counted(scope: ModelScope | undefined, record: ModelRecord | undefined) {
    if (record === undefined) {
      this.misses++;
      if (scope !== undefined) scope.misses++;
      return undefined;
    }
    this.hits++;
    scope!.hits++;
    this.touch(scope!);
    return record.model;
  }

  touch(scope: ModelScope): void {
    scope.lastAccessed = this.clock.now();
    // The bridge touches on every lookup: skip the map when it can.
    if (scope === this.global || this.newest === scope) return;
    if (this.tenants.get(scope.tenantId) !== scope) return;
    this.unlink(scope);
    this.append(scope);
  }

  /** Lease and touch a live tenant in one lookup (the request path). */
  lease(tenantId: string): TenantLease | undefined {
    const scope = this.tenants.get(tenantId);
    if (scope === undefined) return undefined;
    scope.lastAccessed = this.clock.now();
    if (this.newest !== scope) {
      this.unlink(scope);
      this.append(scope);
    }
    return (scope.lease = acquireLeaseOn(scope.lease, tenantId));
  }

  /** Drop a tenant's scope, and its records from the reverse index. */
  evict(scope: ModelScope, records: readonly ModelRecord[]): void {
    if (this.tenants.get(scope.tenantId) === scope) {
      this.tenants.delete(scope.tenantId);
      this.unlink(scope);
      scope.older = scope.newer = undefined;
      this.tally.remove(scope);
    }
    for (const record of records) this.recordsByModel.delete(record.model);
  }

  readonly recordOf = (model: unknown): ModelRecord | undefined =>
    typeof model === 'function' ? this.recordsByModel.get(model) : undefined;

  /**
   * Tenant scopes, least recently used first. Like a `Map` iterator, it goes
   * on past scopes evicted meanwhile and visits one touched meanwhile again.
   */
  *tenantScopes(): IterableIterator<ModelScope> {
    const cursor = {next: this.oldest};
    this.cursors.push(cursor);
    try {
      while (cursor.next !== undefined) {
        const scope = cursor.next;
        cursor.next = scope.newer;
        yield scope;
      }
    } finally {
      this.cursors.splice(this.cursors.indexOf(cursor), 1);
    }
  }

  /** One line per live tenant scope, at a cost of O(lines returned). */
  info(query: TenantInfoQuery = {}): TenantRegistryInfo[] {
    const {orderBy = 'lastAccessed', limit = Infinity} = query;
    const lines: TenantRegistryInfo[] = [];
    if (!(limit > 0)) return lines;
    const scopes =
      orderBy === 'models' ? this.tally.ranked() : this.tenantScopes();
    for (const scope of scopes) {
      lines.push({
        tenantId: scope.tenantId,
        models: scope.size,
        namedModels: scope.trackedModels.size,
        dataSources: scope.dataSources.size,
        hits: scope.hits,
        misses: scope.misses,
        lastAccessed: scope.lastAccessed,
        isLeased: isTenantLeased(scope.tenantId),
      });
      if (lines.length >= limit) break;
    }
    return lines;
  }

  has(tenantId: string): boolean {
    return this.tenants.has(tenantId);
  }

  get tenantCount(): number {
    return this.tenants.size;
  }

  private append(scope: ModelScope): void {
    scope.older = this.newest;
    scope.newer = undefined;
    if (this.newest === undefined) this.oldest = scope;
    else this.newest.newer = scope;
    this.newest = scope;
  }

  private unlink(scope: ModelScope): void {
    // A walk about to visit this scope goes on to the one after it.
    for (const cursor of this.cursors) {
      if (cursor.next === scope) cursor.next = scope.newer;
    }
    if (scope.older === undefined) this.oldest = scope.newer;
    else scope.older.newer = scope.newer;
    if (scope.newer === undefined) this.newest = scope.older;
    else scope.newer.older = scope.older;
  }
}

/**
 * The live tenant scopes' model counts, kept as they change: the total of
 * their anonymous models, and the scopes grouped by the models they own, so
 * that a stats poll sorts the distinct counts, not every tenant.
 */
export class ModelTally {
  anonymousModels = 0;
  private readonly byCount = new Map<number, Set<ModelScope>>();

  add(scope: ModelScope): void {
    scope.tally = this;
    this.anonymousModels += scope.size;
    this.rank(scope, scope.ownedModels);
  }

  remove(scope: ModelScope): void {
    scope.tally = undefined;
    this.anonymousModels -= scope.size;
    this.unrank(scope, scope.ownedModels);
  }

  /** A ranked scope's counts changed: it owned `from` models before. */
  changed(scope: ModelScope, from: number, anonymousDelta: number) {
    this.anonymousModels += anonymousDelta;
    if (scope.ownedModels === from) return;
    this.unrank(scope, from);
    this.rank(scope, scope.ownedModels);
  }

  /** The most models first, equal counts in the order reached. */
  *ranked(): IterableIterator<ModelScope> {
    const counts = [...this.byCount.keys()].sort((a, b) => b - a);
    for (const count of counts) yield* this.byCount.get(count) ?? [];
  }

  private rank(scope: ModelScope, count: number): void {
    const scopes = this.byCount.get(count);
    if (scopes === undefined) this.byCount.set(count, new Set([scope]));
    else scopes.add(scope);
  }

  private unrank(scope: ModelScope, count: number): void {
    const scopes = this.byCount.get(count);
    if (scopes?.delete(scope) && scopes.size === 0) this.byCount.delete(count);
  }
}
