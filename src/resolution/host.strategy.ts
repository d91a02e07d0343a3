// Copyright loopback4-tenant-registry contributors. MIT License.

import {isIP} from 'node:net';
import type {HostStrategyOptions} from '../options/tenant-registry-options';
import type {TenantRequest, TenantResolutionStrategy} from './tenant-strategy';

/**
 * `map` (names or IP addresses), else the label before `domain` (names
 * only): not authenticated. @internal
 */
export class HostTenantStrategy implements TenantResolutionStrategy {
  readonly name = 'host';
  private readonly map: Map<string, string>;
  private readonly suffix: string | undefined;

  constructor(options: HostStrategyOptions = {}) {
    this.map = new Map(
      Object.entries(options.map ?? {}).map(([host, tenantId]) => [
        host.replace(/^\[(.*)\]$/, '$1').toLowerCase(), // [::1] is ::1
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
    if (isIP(host) !== 0) return undefined;
    if (!host.endsWith(this.suffix)) return undefined;
    const label = host.slice(0, -this.suffix.length);
    return label.includes('.') || label === '' ? undefined : label;
  }
}

/** The host without its port; an IPv6 literal without its brackets. */
function hostName(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const ipv6 = /^\[([^\]]*)\](?::\d*)?$/.exec(header);
  if (ipv6) return ipv6[1].toLowerCase();
  return header.replace(/:\d*$/, '').toLowerCase();
}
