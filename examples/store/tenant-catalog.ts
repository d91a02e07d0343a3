// Copyright loopback4-tenant-registry contributors. MIT License.

/**
 * The store's tenants (in memory, like the rest of the example): what the
 * admission check asks, so that an unknown `x-tenant-id` is refused with 404
 * `TENANT_NOT_FOUND` before anything is built for it.
 */
export class TenantCatalog {
  private readonly tenants: Set<string>;

  /** @param tenants - The initial tenants (e.g. from `TENANTS=acme,globex`). */
  constructor(tenants: Iterable<string>) {
    this.tenants = new Set(tenants);
  }

  has(tenantId: string): boolean {
    return this.tenants.has(tenantId);
  }

  add(tenantId: string): void {
    this.tenants.add(tenantId);
  }

  list(): string[] {
    return [...this.tenants].sort();
  }
}

/** Tenants from a comma-separated list such as `acme,globex`. */
export function parseTenantList(list: string | undefined): string[] {
  return (list ?? '')
    .split(',')
    .map(tenantId => tenantId.trim())
    .filter(tenantId => tenantId !== '');
}
