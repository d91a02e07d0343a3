// Copyright loopback4-tenant-registry contributors. MIT License.

import {repeatedTenantSourceError} from '../errors';
import type {TenantRequest, TenantResolutionStrategy} from './tenant-strategy';

/** Reads the tenant from a header; it does not authenticate. @internal */
export class HeaderTenantStrategy implements TenantResolutionStrategy {
  readonly name = 'header';

  /** @param header - Lower case. */
  constructor(readonly header = 'x-tenant-id') {}

  resolve(request: TenantRequest): string | undefined {
    const value = request.headers[this.header];
    if (value === undefined) return undefined;
    // Node joins a repeated custom header with ", ": refused, not picked.
    if (Array.isArray(value) || value.includes(', ')) {
      throw repeatedTenantSourceError(`the ${this.header} header`);
    }
    return value;
  }
}
