// Copyright loopback4-tenant-registry contributors. MIT License.

export * from './tenant-datasource-cache';
