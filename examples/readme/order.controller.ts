// Copyright loopback4-tenant-registry contributors. MIT License.

import {repository} from '@loopback/repository';
import {get, post, requestBody} from '@loopback/rest';
import {OrderRepository} from './order.repository';

const JSON_OBJECT = {
  content: {'application/json': {schema: {type: 'object' as const}}},
};

export class OrderController {
  constructor(
    @repository(OrderRepository) private readonly orders: OrderRepository,
  ) {}

  @post('/orders', {responses: {'200': {description: 'The order'}}})
  create(@requestBody(JSON_OBJECT) order: object): Promise<object> {
    return this.orders.model.create(order) as Promise<object>;
  }

  @get('/orders', {responses: {'200': {description: 'The orders'}}})
  find(): Promise<object> {
    return this.orders.model.find() as Promise<object>;
  }
}
