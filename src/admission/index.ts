// Copyright loopback4-tenant-registry contributors. MIT License.

export type {TenantAdmission, TenantAdmissionCheck} from './tenant-admission';
