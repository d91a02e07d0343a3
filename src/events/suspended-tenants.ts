// Copyright loopback4-tenant-registry contributors. MIT License.

/**
 * The tenants this instance refuses with 403 `TENANT_SUSPENDED`: a local
 * copy of the fleet's suspended set, kept by the tenant events observer.
 *
 * @internal
 */
export class SuspendedTenants {
  private readonly tenants = new Set<string>();

  has(tenantId: string): boolean {
    return this.tenants.size > 0 && this.tenants.has(tenantId);
  }

  add(tenantId: string): void {
    this.tenants.add(tenantId);
  }

  delete(tenantId: string): void {
    this.tenants.delete(tenantId);
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
    return {added, removed};
  }

  list(): string[] {
    return [...this.tenants];
  }

  get size(): number {
    return this.tenants.size;
  }
}
