// Copyright loopback4-tenant-registry contributors. MIT License.

import {HttpErrors} from '@loopback/rest';
import type {ServerResponse} from 'node:http';
import {TenantRegistryError} from '../errors';

// strong-error-handler writes no headers of an error: `Retry-After` is set
// on `response` here.
/** The HTTP error of a `TenantRegistryError`, `code` in the body. @internal */
export function toHttpError(
  error: unknown,
  response?: Pick<ServerResponse, 'setHeader' | 'headersSent'>,
): unknown {
  if (!(error instanceof TenantRegistryError)) return error;
  // A 500 never carries a client-error code (INVALID_OPTION is our fault).
  if (error.statusCode >= 500 && error.retryAfter === undefined) {
    return new HttpErrors.InternalServerError();
  }
  if (error.retryAfter !== undefined && response?.headersSent === false) {
    response.setHeader('Retry-After', String(error.retryAfter));
  }
  return HttpErrors(error.statusCode, error.message, {code: error.code});
}
