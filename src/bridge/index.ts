// Copyright loopback4-tenant-registry contributors. MIT License.

export * from './juggler-bridge';
