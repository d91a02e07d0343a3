// Copyright loopback4-tenant-registry contributors. MIT License.

import {inject} from '@loopback/core';
import {
  get,
  HttpErrors,
  post,
  requestBody,
  type RequestBodyObject,
  type ResponsesObject,
} from '@loopback/rest';
import {TenantRegistryBindings} from '../../src';
import {
  CUSTOM_FIELD_TYPES,
  CustomFieldsService,
  type CustomFieldType,
} from './custom-fields.service';
import {OrderRepository} from './order.repository';

const ORDER_SCHEMA = {
  type: 'object' as const,
  required: ['customer'],
  properties: {
    customer: {type: 'string' as const},
    address: {
      type: 'object' as const,
      properties: {
        street: {type: 'string' as const},
        city: {type: 'string' as const},
        zip: {type: 'string' as const},
      },
    },
    items: {
      type: 'array' as const,
      items: {
        type: 'object' as const,
        properties: {
          sku: {type: 'string' as const},
          qty: {type: 'number' as const},
          price: {type: 'number' as const},
        },
      },
    },
  },
  additionalProperties: true,
};
const FIELD_SCHEMA = {
  type: 'object' as const,
  required: ['name', 'type'],
  properties: {
    name: {type: 'string' as const, pattern: '^[a-z][a-zA-Z0-9]{0,30}$'},
    type: {type: 'string' as const, enum: [...CUSTOM_FIELD_TYPES]},
  },
};
const body = (schema: object): Partial<RequestBodyObject> => ({
  content: {'application/json': {schema}},
});
const ok = (description: string): {responses: ResponsesObject} => ({
  responses: {
    '200': {description, content: {'application/json': {schema: {}}}},
  },
});

/** Orders of the current tenant, and its custom order fields. */
export class OrderController {
  constructor(
    @inject('repositories.OrderRepository')
    private readonly orders: OrderRepository,
    @inject('services.CustomFieldsService')
    private readonly fields: CustomFieldsService,
    @inject(TenantRegistryBindings.CURRENT_TENANT)
    private readonly tenantId: string,
  ) {}

  @post('/orders', ok('The created order'))
  async create(
    @requestBody(body(ORDER_SCHEMA)) order: Record<string, unknown>,
  ): Promise<object> {
    return (await this.orders.model.create(order)) as object;
  }

  @get('/orders', ok('The tenant’s orders'))
  async find(): Promise<object> {
    return {
      tenant: this.tenantId,
      model: this.orders.model.modelName,
      orders: await this.orders.model.find(),
    };
  }

  @post('/custom-fields', ok('The tenant’s custom fields'))
  addField(
    @requestBody(body(FIELD_SCHEMA))
    field: {
      name: string;
      type: CustomFieldType;
    },
  ): object {
    if (field.name in {customer: 1, address: 1, items: 1, id: 1}) {
      throw new HttpErrors.Conflict(`${field.name} is a built-in field`);
    }
    this.fields.add(this.tenantId, field.name, field.type);
    return this.fields.list(this.tenantId);
  }

  @get('/custom-fields', ok('The tenant’s custom fields'))
  listFields(): object {
    return this.fields.list(this.tenantId);
  }
}
