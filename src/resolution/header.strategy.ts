// Copyright loopback4-tenant-registry contributors. MIT License.

import {repeatedTenantSourceError} from '../errors';
import type {TenantRequest, TenantResolutionStrategy} from './tenant-strategy';

/**
 * Reads the tenant from a request header (`x-tenant-id` by default). It
 * identifies a tenant; it does not authenticate one.
 *
 * @remarks
 * A repeated header is refused: Node joins repeated custom headers with
 * `", "`, and an array value would be ambiguous, so both answer
 * `INVALID_TENANT_ID` rather than picking one.
 *
 * @internal
 */
export class HeaderTenantStrategy implements TenantResolutionStrategy {
  readonly name = 'header';

  /** @param header - The header name, lower case. */
  constructor(readonly header = 'x-tenant-id') {}

  resolve(request: TenantRequest): string | undefined {
    const value = request.headers[this.header];
    if (value === undefined) return undefined;
    if (Array.isArray(value) || value.includes(', ')) {
      throw repeatedTenantSourceError(`the ${this.header} header`);
    }
    return value;
  }
}
