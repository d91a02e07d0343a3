// Copyright loopback4-tenant-registry contributors. MIT License.

import {EventEmitter} from 'node:events';
import type {TenantEvent, TenantEvents} from './tenant-event';

/** Tenant events within one process: what a single instance needs. */
export class InProcessTenantEvents implements TenantEvents {
  private readonly emitter = new EventEmitter();
  private readonly suspended = new Set<string>();

  async publish(event: TenantEvent): Promise<void> {
    if (event.type === 'suspend') this.suspended.add(event.tenantId);
    if (event.type === 'resume') this.suspended.delete(event.tenantId);
    this.emitter.emit('event', event);
  }

  subscribe(listener: (event: TenantEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }

  async suspendedTenants(): Promise<string[]> {
    return [...this.suspended];
  }
}
