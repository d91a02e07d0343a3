// Copyright loopback4-tenant-registry contributors. MIT License.

export * from './model-registry';
export * from './registry-stats';
export * from './structure-key';
export * from './tenant-registry';
