// Copyright loopback4-tenant-registry contributors. MIT License.

export type {TenantDataSourceFactory} from './tenant-datasource-factory';
