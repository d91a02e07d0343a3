// Copyright loopback4-tenant-registry contributors. MIT License.

import {HttpErrors} from '@loopback/rest';
import {
  TenantRegistryError,
  TenantRegistryErrorCodes,
  type TenantRegistryErrorCode,
} from '../errors';

const STATUS_BY_CODE: Partial<Record<TenantRegistryErrorCode, number>> = {
  [TenantRegistryErrorCodes.INVALID_TENANT_ID]: 400,
  [TenantRegistryErrorCodes.TENANT_REQUIRED]: 400,
  [TenantRegistryErrorCodes.INVALID_TENANT_TOKEN]: 401,
  [TenantRegistryErrorCodes.TENANT_SUSPENDED]: 403,
  [TenantRegistryErrorCodes.TENANT_DATASOURCE_UNAVAILABLE]: 503,
};

/**
 * Turn a `TenantRegistryError` into the HTTP error LoopBack answers with:
 * the status for its code, and `code` in the JSON body.
 *
 * @param error - Anything thrown while resolving a tenant.
 * @returns An `HttpError`, or `error` itself when it is not ours.
 */
export function toHttpError(error: unknown): unknown {
  if (!(error instanceof TenantRegistryError)) return error;
  const status = STATUS_BY_CODE[error.code] ?? 500;
  return HttpErrors(status, error.message, {code: error.code});
}
