// Copyright loopback4-tenant-registry contributors. MIT License.

export type {TenantAdminService} from './tenant-admin.service';
