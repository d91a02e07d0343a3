// Copyright loopback4-tenant-registry contributors. MIT License.

import {isIP} from 'node:net';
import type {HostStrategyOptions} from '../options/tenant-registry-options';
import type {TenantRequest, TenantResolutionStrategy} from './tenant-strategy';

/** `map`, else the label before `domain` (not authenticated). @internal */
export class HostTenantStrategy implements TenantResolutionStrategy {
  readonly name = 'host';
  private readonly map: Map<string, string>;
  private readonly suffix: string | undefined;

  constructor(options: HostStrategyOptions = {}) {
    this.map = new Map(
      Object.entries(options.map ?? {}).map(([host, tenantId]) => [
        host.toLowerCase(),
        tenantId,
      ]),
    );
    this.suffix = options.domain && `.${options.domain.toLowerCase()}`;
  }

  resolve(request: TenantRequest): string | undefined {
    const host = hostName(request.headers.host);
    if (host === undefined) return undefined;
    const mapped = this.map.get(host);
    if (mapped !== undefined || this.suffix === undefined) return mapped;
    if (!host.endsWith(this.suffix)) return undefined;
    const label = host.slice(0, -this.suffix.length);
    return label.includes('.') || label === '' ? undefined : label;
  }
}

function hostName(header: string | undefined): string | undefined {
  if (!header) return undefined;
  if (header.startsWith('[')) return undefined; // an IPv6 literal
  const host = header.replace(/:\d*$/, '').toLowerCase();
  return isIP(host) === 0 ? host : undefined;
}
