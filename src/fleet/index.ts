// Copyright loopback4-tenant-registry contributors. MIT License.

export {InProcessTenantEvents} from './tenant-event';
export {
  RedisTenantEvents,
  type RedisTenantEventsOptions,
} from './redis-tenant-events';
export type {TenantEvent, TenantEvents} from './tenant-event';
