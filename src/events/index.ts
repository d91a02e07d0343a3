// Copyright loopback4-tenant-registry contributors. MIT License.

export * from './in-process-tenant-events';
export * from './redis-tenant-events';
export * from './tenant-event';
