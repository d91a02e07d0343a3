// Copyright loopback4-tenant-registry contributors. MIT License.

export * from './tenant-health';
export * from './tenant-metrics';
