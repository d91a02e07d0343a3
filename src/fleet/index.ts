// Copyright loopback4-tenant-registry contributors. MIT License.

export * from './in-process-tenant-events';
export * from './redis-tenant-events';
export type {TenantEvent, TenantEvents} from './tenant-event';
