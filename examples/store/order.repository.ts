// Copyright loopback4-tenant-registry contributors. MIT License.

import {inject} from '@loopback/core';
import {juggler} from '@loopback/repository';
import {HttpErrors} from '@loopback/rest';
import {ModelRegistry, TenantRegistryBindings} from '../../src';
import {CustomFieldsService} from './custom-fields.service';

/** The part of an order every tenant has. */
function baseOrderProperties(): Record<string, unknown> {
  return {
    id: {type: Number, id: true, generated: true},
    customer: {type: String, required: true},
    address: {street: String, city: String, zip: String},
    items: [{sku: String, qty: Number, price: Number}],
  };
}

const JS_TYPES = {string: String, number: Number, boolean: Boolean};

/**
 * The tenant's order model, built at run time from the base properties and
 * the tenant's custom fields, on a shared in-memory DataSource.
 */
export class OrderRepository {
  readonly model: juggler.PersistedModelClass;

  constructor(
    @inject('datasources.db') dataSource: juggler.DataSource,
    @inject('services.CustomFieldsService') fields: CustomFieldsService,
    @inject(TenantRegistryBindings.CURRENT_TENANT) tenantId: string | undefined,
    @inject(TenantRegistryBindings.REGISTRY, {optional: true})
    registry?: ModelRegistry,
  ) {
    if (tenantId === undefined) {
      throw Object.assign(
        new HttpErrors.BadRequest('Send the tenant in the x-tenant-id header.'),
        {code: 'TENANT_REQUIRED'},
      );
    }
    const name = `Order_${tenantId.replace(/[^\w]/g, '_')}`;
    const version = fields.version(tenantId);
    const existing = dataSource.getModel(name) as
      (juggler.PersistedModelClass & {schemaVersion?: number}) | undefined;
    if (existing?.schemaVersion === version) {
      this.model = existing;
      return;
    }
    const properties = baseOrderProperties();
    for (const [field, type] of Object.entries(fields.list(tenantId))) {
      properties[field] = JS_TYPES[type];
    }
    const model = dataSource.createModel(name, properties, {
      strict: false,
    }) as unknown as juggler.PersistedModelClass & {schemaVersion?: number};
    model.schemaVersion = version;
    registry?.trackModel(tenantId, model);
    this.model = model;
  }
}
