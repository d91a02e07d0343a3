// Copyright loopback4-tenant-registry contributors. MIT License.

import {randomUUID} from 'node:crypto';
import {EventEmitter} from 'node:events';
import {hostname} from 'node:os';
import {isValidTenantId} from '../context/tenant-id';
import type {ModelRegistry} from '../registry/model-registry';
import type {StreamGapReason} from './stream-gap';
import type {SuspendedTenants} from './suspended-tenants';

/** This process, as named in the events it publishes (for logs). @internal */
export const INSTANCE_ID = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

/**
 * What happened to a tenant, fleet-wide: `evict` evicts it now (reason
 * `external`); `suspend` evicts it and refuses its requests with 403
 * `TENANT_SUSPENDED` until `resume`.
 */
export type TenantEventType = 'evict' | 'suspend' | 'resume';

/** A tenant lifecycle event, as published to every instance of the fleet. */
export interface TenantEvent {
  /** What to do: `evict`, `suspend` or `resume`. */
  type: TenantEventType;
  /** The tenant it concerns. */
  tenantId: string;
  /** The publishing instance. */
  instanceId: string;
}

const TYPES: ReadonlySet<unknown> = new Set(['evict', 'suspend', 'resume']);

/** An untrusted event (JSON text or object), or `undefined`. @internal */
export function parseTenantEvent(message: unknown): TenantEvent | undefined {
  let value = message;
  if (typeof message === 'string') {
    if (message.length > 4096) return undefined;
    try {
      value = JSON.parse(message);
    } catch {
      return undefined;
    }
  }
  if (value === null || typeof value !== 'object') return undefined;
  const {type, tenantId, instanceId} = value as Record<string, unknown>;
  if (!TYPES.has(type) || !isValidTenantId(tenantId)) return undefined;
  if (typeof instanceId !== 'string' || instanceId.length > 256) {
    return undefined;
  }
  return {type: type as TenantEventType, tenantId, instanceId};
}

/** How an instance stands with the fleet. */
export interface TenantEventsStatus {
  /** Connected and caught up with the fleet's state. */
  isInSync: boolean;
  /** Why not, when not (for health; never a secret). */
  reason?: string;
  /** Times the instance re-read the fleet's state (each (re)connect). */
  resyncs: number;
  /** Events applied from a replay after a reconnect. */
  replayed: number;
  /** Messages dropped: malformed, unsigned or badly signed. */
  rejected: number;
  /** Times the instance may have missed events (a gap), so evicted all. */
  gaps: number;
  /** The latest gap: why (see `docs/fleet.md`), and when (ISO 8601). */
  lastGap?: {reason: StreamGapReason; at: string};
}

/** The fleet's state as a transport re-read it: the truth, not the events. */
export interface TenantEventsResync {
  /** Every tenant suspended fleet-wide: the local copy is made equal to it. */
  suspendedTenantIds: string[];
  /** Evictions may have been missed: evict every tenant (no telling which). */
  hasMissedEvictions: boolean;
}

/**
 * How tenant events travel between the instances of a fleet:
 * `InProcessTenantEvents` (the default) or `RedisTenantEvents`.
 *
 * @example
 * ```ts
 * // A transport of your own (only the three required methods here):
 * class BusTenantEvents implements TenantEvents {
 *   async publish(event: TenantEvent) {
 *     await bus.send('tenant-events', JSON.stringify(event));
 *   }
 *   subscribe(listener: (event: TenantEvent) => void) {
 *     return bus.on('tenant-events', text => listener(JSON.parse(text)));
 *   }
 *   async suspendedTenants() {
 *     return bus.read('suspended-tenants');
 *   }
 * }
 * app.bind(TenantRegistryBindings.TENANT_EVENTS).to(new BusTenantEvents());
 * ```
 */
export interface TenantEvents {
  /** Publish to every instance (this one too); rejects when it cannot. */
  publish(event: TenantEvent): Promise<void>;
  /** Receive events; returns the function that stops receiving. */
  subscribe(listener: (event: TenantEvent) => void): () => void;
  /**
   * Receive the fleet's state at each re-read: suspension then follows it
   * (without, `suspendedTenants()` is read once at start).
   */
  subscribeResync?(listener: (resync: TenantEventsResync) => void): () => void;
  /** Tenants suspended fleet-wide, for an instance that starts. */
  suspendedTenants(): Promise<string[]>;
  /** Connect (called when the app starts). */
  start?(): Promise<void>;
  /** Disconnect (called when the app stops). */
  stop?(): Promise<void>;
  /** Where this instance stands (in sync or not, and counters). */
  status?(): TenantEventsStatus;
}

/**
 * Tenant events within one process: what a single instance needs (bound by
 * default).
 *
 * @example
 * ```ts
 * const events = new InProcessTenantEvents();
 * app.bind(TenantRegistryBindings.TENANT_EVENTS).to(events);
 * const stop = events.subscribe(e => audit.log(e.type, e.tenantId));
 * ```
 */
export class InProcessTenantEvents implements TenantEvents {
  private readonly emitter = new EventEmitter();
  private readonly suspended = new Set<string>();

  /** Deliver to this process's listeners, and keep track of suspensions. */
  async publish(event: TenantEvent): Promise<void> {
    if (event.type === 'suspend') this.suspended.add(event.tenantId);
    if (event.type === 'resume') this.suspended.delete(event.tenantId);
    this.emitter.emit('event', event);
  }

  /** Receive events; returns the function that stops receiving. */
  subscribe(listener: (event: TenantEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }

  /** Tenants suspended (and not resumed) in this process. */
  async suspendedTenants(): Promise<string[]> {
    return [...this.suspended];
  }
}

/** Apply a tenant event here; idempotent (own events come back). @internal */
export function applyTenantEvent(
  event: Pick<TenantEvent, 'type' | 'tenantId'>,
  registry: ModelRegistry,
  suspended: SuspendedTenants,
): void {
  if (event.type === 'resume') {
    suspended.delete(event.tenantId);
    return;
  }
  if (event.type === 'suspend') suspended.add(event.tenantId);
  registry.evictTenant(event.tenantId, 'external');
}
