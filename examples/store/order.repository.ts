// Copyright loopback4-tenant-registry contributors. MIT License.

import {inject} from '@loopback/core';
import {juggler} from '@loopback/repository';
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
 * the tenant's custom fields, on a shared in-memory DataSource:
 * `registry.defineTenantModel` names it `Order_<tenant>` (injectively), keeps
 * it while the fields are unchanged, and rebuilds it when they change.
 */
export class OrderRepository {
  readonly model: juggler.PersistedModelClass;

  constructor(
    @inject('datasources.db') dataSource: juggler.DataSource,
    @inject('services.CustomFieldsService') fields: CustomFieldsService,
    @inject(TenantRegistryBindings.REQUIRED_TENANT) tenantId: string,
    @inject(TenantRegistryBindings.REGISTRY, {optional: true})
    registry?: ModelRegistry,
  ) {
    const properties = baseOrderProperties();
    for (const [field, type] of Object.entries(fields.list(tenantId))) {
      properties[field] = JS_TYPES[type];
    }
    this.model =
      registry?.defineTenantModel<juggler.PersistedModelClass>(
        dataSource,
        'Order',
        properties,
        {strict: false},
      ) ?? plainJugglerModel(dataSource, tenantId, properties, fields);
  }
}

/**
 * What an app without the registry does (the demo's baseline): redefine the
 * model when the tenant's fields change, and never release anything.
 */
function plainJugglerModel(
  dataSource: juggler.DataSource,
  tenantId: string,
  properties: Record<string, unknown>,
  fields: CustomFieldsService,
): juggler.PersistedModelClass {
  const name = ModelRegistry.tenantModelName('Order', tenantId);
  const version = fields.version(tenantId);
  const existing = dataSource.getModel(name) as
    (juggler.PersistedModelClass & {schemaVersion?: number}) | undefined;
  if (existing?.schemaVersion === version) return existing;
  const model = dataSource.createModel(name, properties, {
    strict: false,
  }) as unknown as juggler.PersistedModelClass & {schemaVersion?: number};
  model.schemaVersion = version;
  return model;
}
