// Copyright loopback4-tenant-registry contributors. MIT License.

export * from './header.strategy';
export * from './host.strategy';
export * from './jwt.strategy';
export * from './query.strategy';
export * from './tenant-id';
export * from './tenant-resolver';
export * from './tenant-strategy';
