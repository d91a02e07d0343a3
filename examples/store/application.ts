// Copyright loopback4-tenant-registry contributors. MIT License.

import {BindingScope, type ApplicationConfig} from '@loopback/core';
import {juggler, RepositoryMixin} from '@loopback/repository';
import {
  HttpErrors,
  RestApplication,
  RestBindings,
  type Request,
} from '@loopback/rest';
import {RestExplorerComponent} from '@loopback/rest-explorer';
import {
  TenantRegistryBindings,
  TenantRegistryComponent,
  type TenantRegistryOptions,
} from '../../src';
import {CustomFieldsService} from './custom-fields.service';
import {OrderController} from './order.controller';
import {OrderRepository} from './order.repository';
import {TenantCatalog} from './tenant-catalog';
import {TenantController} from './tenant.controller';

/** Options of the example store. */
export interface StoreApplicationConfig extends ApplicationConfig {
  /** Use the tenant registry (the default) or plain juggler (for the demo). */
  tenantRegistry?: boolean;
  /** Options of the tenant registry component. */
  tenantRegistryOptions?: TenantRegistryOptions;
  /**
   * The known tenants: only they are admitted (others get 404
   * `TENANT_NOT_FOUND`). `'any'` admits every valid id (up to `maxTenants`).
   * @defaultValue `['acme', 'globex']`
   */
  tenants?: Iterable<string> | 'any';
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
    const catalog = new TenantCatalog(
      config.tenants === 'any' ? [] : (config.tenants ?? ['acme', 'globex']),
    );
    this.bind('services.TenantCatalog').to(catalog);
    this.bind('repositories.OrderRepository').toClass(OrderRepository);
    this.controller(OrderController);
    // API Explorer at /explorer: "Try it out" sends x-tenant-id, which the
    // component documents in the OpenAPI spec.
    this.component(RestExplorerComponent);
    if (config.tenantRegistry === false) {
      this.bindPlainTenant();
      return;
    }
    this.configure(TenantRegistryBindings.COMPONENT).to({
      strategies: ['header'],
      ...config.tenantRegistryOptions,
    });
    this.component(TenantRegistryComponent);
    if (config.tenants !== 'any') {
      this.bind(TenantRegistryBindings.ADMISSION_CHECK).to(tenantId =>
        catalog.has(tenantId),
      );
      this.controller(TenantController);
    }
  }

  /**
   * Plain juggler: read the header directly, as apps without the package
   * do; nothing is ever released.
   */
  private bindPlainTenant(): void {
    const fromHeader = async (request: Request) => {
      const header = request.headers['x-tenant-id'];
      return typeof header === 'string' ? header : undefined;
    };
    this.bind(TenantRegistryBindings.CURRENT_TENANT).toDynamicValue(
      async ({context}) =>
        fromHeader(await context.get<Request>(RestBindings.Http.REQUEST)),
    );
    this.bind(TenantRegistryBindings.REQUIRED_TENANT).toDynamicValue(
      async ({context}) => {
        const request = await context.get<Request>(RestBindings.Http.REQUEST);
        const tenantId = await fromHeader(request);
        if (tenantId !== undefined) return tenantId;
        throw Object.assign(new HttpErrors.BadRequest('No tenant.'), {
          code: 'TENANT_REQUIRED',
        });
      },
    );
  }
}
