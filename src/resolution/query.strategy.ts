// Copyright loopback4-tenant-registry contributors. MIT License.

import {repeatedTenantSourceError} from '../errors';
import type {TenantRequest, TenantResolutionStrategy} from './tenant-strategy';

/** Reads the tenant from the query; it does not authenticate. @internal */
export class QueryTenantStrategy implements TenantResolutionStrategy {
  readonly name = 'query';

  constructor(readonly parameter = 'tenant') {}

  resolve(request: TenantRequest): string | undefined {
    const url = request.url ?? '';
    const start = url.indexOf('?');
    if (start === -1) return undefined;
    const values = new URLSearchParams(url.slice(start + 1)).getAll(
      this.parameter,
    );
    if (values.length > 1) {
      throw repeatedTenantSourceError(`the ${this.parameter} parameter`);
    }
    return values[0];
  }
}
