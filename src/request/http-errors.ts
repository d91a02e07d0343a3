// Copyright loopback4-tenant-registry contributors. MIT License.

import {HttpErrors} from '@loopback/rest';
import type {ServerResponse} from 'node:http';
import {TenantRegistryError} from '../errors';

/**
 * Turn a `TenantRegistryError` into the HTTP error LoopBack answers with:
 * its status and `code` in the JSON body. strong-error-handler writes no
 * headers of an error, so a retryable 503's `Retry-After` is set on the
 * response here, when one is given.
 *
 * @param error - Anything thrown while handling a request.
 * @param response - The response to add `Retry-After` to.
 * @returns An `HttpError`, or `error` itself when it is not ours.
 * @internal
 */
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
