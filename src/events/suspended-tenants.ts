// Copyright loopback4-tenant-registry contributors. MIT License.

/**
 * The tenants this instance refuses with 403 `TENANT_SUSPENDED`: a local
 * copy of the fleet's suspended set, kept by the tenant events observer.
 *
 * @internal
 */
export class SuspendedTenants {
  private readonly tenants = new Set<string>();
  // Asked on every request: with none suspended (the usual case) the answer
  // comes from this field, without touching the set's table.
  private count = 0;

  has(tenantId: string): boolean {
    return this.count > 0 && this.tenants.has(tenantId);
  }

  add(tenantId: string): void {
    this.count = this.tenants.add(tenantId).size;
  }

  delete(tenantId: string): void {
    this.tenants.delete(tenantId);
    this.count = this.tenants.size;
  }

  /**
   * Make the local set equal `tenantIds`.
   *
   * @returns The tenants newly suspended (to evict) and newly resumed.
   */
  replaceAll(tenantIds: Iterable<string>): {
    added: string[];
    removed: string[];
  } {
    const next = new Set(tenantIds);
    const added = [...next].filter(id => !this.tenants.has(id));
    const removed = [...this.tenants].filter(id => !next.has(id));
    for (const id of removed) this.tenants.delete(id);
    for (const id of added) this.tenants.add(id);
    this.count = this.tenants.size;
    return {added, removed};
  }

  list(): string[] {
    return [...this.tenants];
  }

  get size(): number {
    return this.tenants.size;
  }
}
