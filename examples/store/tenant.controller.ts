// Copyright loopback4-tenant-registry contributors. MIT License.

import {inject} from '@loopback/core';
import {get, HttpErrors, post, requestBody} from '@loopback/rest';
import {
  TenantRegistryBindings,
  validateTenantId,
  type TenantAdmission,
} from '../../src';
import type {TenantCatalog} from './tenant-catalog';

const OK = {
  responses: {
    '200': {description: 'The tenants', content: {'application/json': {}}},
  },
};

/**
 * The store's tenant catalog: list it, and add a tenant (an operator
 * action in a real service; open here to keep the example small).
 */
export class TenantController {
  constructor(
    @inject('services.TenantCatalog') private readonly catalog: TenantCatalog,
    @inject(TenantRegistryBindings.ADMISSION)
    private readonly admission: TenantAdmission,
  ) {}

  @get('/tenants', OK)
  list(): object {
    return {tenants: this.catalog.list()};
  }

  @post('/tenants', OK)
  add(
    @requestBody({
      content: {
        'application/json': {
          schema: {
            type: 'object',
            required: ['id'],
            properties: {id: {type: 'string'}},
          },
        },
      },
    })
    body: {
      id: string;
    },
  ): object {
    let tenantId: string;
    try {
      tenantId = validateTenantId(body.id);
    } catch (error: unknown) {
      throw Object.assign(new HttpErrors.BadRequest((error as Error).message), {
        code: 'INVALID_TENANT_ID',
      });
    }
    this.catalog.add(tenantId);
    // A "no" may be cached from before the tenant existed.
    this.admission.clearCache(tenantId);
    return {tenants: this.catalog.list()};
  }
}
