// Copyright loopback4-tenant-registry contributors. MIT License.

/** The types a tenant may give a custom field. */
export const CUSTOM_FIELD_TYPES = ['string', 'number', 'boolean'] as const;
export type CustomFieldType = (typeof CUSTOM_FIELD_TYPES)[number];

/**
 * Each tenant's custom order fields (in memory, like the rest of the example).
 * A new field changes the tenant's order model, so the model is redefined:
 * the pattern that makes plain juggler grow.
 */
export class CustomFieldsService {
  private readonly fields = new Map<string, Map<string, CustomFieldType>>();
  private readonly versions = new Map<string, number>();

  add(tenantId: string, name: string, type: CustomFieldType): void {
    let fields = this.fields.get(tenantId);
    if (fields === undefined) {
      fields = new Map();
      this.fields.set(tenantId, fields);
    }
    fields.set(name, type);
    this.versions.set(tenantId, (this.versions.get(tenantId) ?? 0) + 1);
  }

  list(tenantId: string): Record<string, CustomFieldType> {
    return Object.fromEntries(this.fields.get(tenantId) ?? []);
  }

  version(tenantId: string): number {
    return this.versions.get(tenantId) ?? 0;
  }
}
