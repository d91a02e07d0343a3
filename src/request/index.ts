// Copyright loopback4-tenant-registry contributors. MIT License.

export {asTenantStrategy} from './as-tenant-strategy';
