// Copyright loopback4-tenant-registry contributors. MIT License.

import {BindingScope, type ApplicationConfig} from '@loopback/core';
import {juggler, RepositoryMixin} from '@loopback/repository';
import {RestApplication, RestBindings, type Request} from '@loopback/rest';
import {
  TenantRegistryBindings,
  TenantRegistryComponent,
  type TenantRegistryOptions,
} from '../../src';
import {CustomFieldsService} from './custom-fields.service';
import {OrderController} from './order.controller';
import {OrderRepository} from './order.repository';

/** Options of the example store. */
export interface StoreApplicationConfig extends ApplicationConfig {
  /** Use the tenant registry (the default) or plain juggler (for the demo). */
  tenantRegistry?: boolean;
  /** Options of the tenant registry component. */
  tenantRegistryOptions?: TenantRegistryOptions;
}

/**
 * A multi-tenant store: each tenant's orders (with a nested address and
 * items) live in a model of its own, extended at run time with the tenant's
 * custom fields, on one embedded in-memory DataSource.
 */
export class StoreApplication extends RepositoryMixin(RestApplication) {
  constructor(config: StoreApplicationConfig = {}) {
    super(config);
    this.dataSource(
      new juggler.DataSource({name: 'db', connector: 'memory'}),
      'db',
    );
    this.bind('services.CustomFieldsService')
      .toClass(CustomFieldsService)
      .inScope(BindingScope.SINGLETON);
    this.bind('repositories.OrderRepository').toClass(OrderRepository);
    this.controller(OrderController);
    if (config.tenantRegistry === false) {
      // Plain juggler: read the header directly, as apps without the
      // package do; nothing is ever released.
      this.bind(TenantRegistryBindings.CURRENT_TENANT).toDynamicValue(
        async ({context}) => {
          const request = await context.get<Request>(RestBindings.Http.REQUEST);
          const header = request.headers['x-tenant-id'];
          return typeof header === 'string' ? header : undefined;
        },
      );
      return;
    }
    this.configure(TenantRegistryBindings.COMPONENT).to({
      strategies: ['header'],
      ...config.tenantRegistryOptions,
    });
    this.component(TenantRegistryComponent);
  }
}
