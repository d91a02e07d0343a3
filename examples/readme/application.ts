// Copyright loopback4-tenant-registry contributors. MIT License.

// The README's quick start, compiled by the build and tested by
// test/acceptance/readme-app.acceptance.ts: what the README shows is what runs.

import {type ApplicationConfig} from '@loopback/core';
import {juggler, RepositoryMixin} from '@loopback/repository';
import {RestApplication} from '@loopback/rest';
import {
  TenantRegistryBindings,
  TenantRegistryComponent,
  type TenantRegistryOptions,
} from 'loopback4-tenant-registry';
import {OrderController} from './order.controller';
import {OrderRepository} from './order.repository';

export class ShopApplication extends RepositoryMixin(RestApplication) {
  constructor(options: ApplicationConfig = {}) {
    super(options);
    // Configure before app.component(); the type argument catches typos.
    this.configure<TenantRegistryOptions>(TenantRegistryBindings.COMPONENT).to({
      strategies: ['header'], // x-tenant-id
      requireTenant: true, // 400 TENANT_REQUIRED where a tenant-less request uses one
    });
    this.component(TenantRegistryComponent);
    this.dataSource(new juggler.DataSource({name: 'db', connector: 'memory'}));
    this.repository(OrderRepository);
    this.controller(OrderController);
  }
}
