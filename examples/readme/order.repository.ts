// Copyright loopback4-tenant-registry contributors. MIT License.

import {inject} from '@loopback/core';
import {juggler} from '@loopback/repository';
import {
  TenantRegistryBindings,
  type ModelRegistry,
} from 'loopback4-tenant-registry';

/** Each tenant's orders, in a model of its own: `Order_<tenant>`. */
export class OrderRepository {
  readonly model: juggler.PersistedModelClass;

  constructor(
    @inject('datasources.db') dataSource: juggler.DataSource,
    @inject(TenantRegistryBindings.REGISTRY) registry: ModelRegistry,
  ) {
    // Built once per tenant (and again only if the definition changes),
    // released when the tenant is evicted; 400 TENANT_REQUIRED without one.
    this.model = registry.defineTenantModel<juggler.PersistedModelClass>(
      dataSource,
      'Order',
      {
        id: {type: Number, id: true, generated: true},
        customer: String,
        address: {street: String, city: String},
        items: [{sku: String, qty: Number}],
      },
    );
  }
}
