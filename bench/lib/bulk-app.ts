// Copyright loopback4-tenant-registry contributors. MIT License.

import {juggler} from '@loopback/repository';
import {RestApplication} from '@loopback/rest';
import {fork} from 'node:child_process';
import {
  runInTenant,
  TenantRegistryBindings,
  TenantRegistryComponent,
  type ModelRegistry,
  type RegistryManager,
} from '../../src';
import type {TenantEventsResync} from '../../src/fleet/tenant-event';
import {checkHealth} from '../../src/observability/tenant-health';
import type {TenantEventsObserver} from '../../src/observers/tenant-events.observer';
import type {ResolvedTenantRegistryOptions} from '../../src/options/tenant-registry-options';
import {mainThreadCpuMs} from './loop-blocks';

const TOKEN = 'bench-operator-token-0123456789';
const ORDER = () => ({
  customer: String,
  address: {street: String, city: String},
  items: [{sku: String, qty: Number}],
});

/** An LB4 app with the component and its dashboard, for the bulk suite. */
export interface BulkApp {
  app: RestApplication;
  /** The dashboard's API base URL. */
  url: string;
  registry: ModelRegistry;
  manager: RegistryManager;
  options: ResolvedTenantRegistryOptions;
  observer: TenantEventsObserver;
  /** Deliver a resync, as a fleet transport does. */
  resync(resync: TenantEventsResync): void;
  /** Admit `tenant-0` ... and give each a model with 2 nested objects. */
  addTenants(count: number): void;
}

/** Start a {@link BulkApp} on 127.0.0.1. */
export async function givenBulkApp(): Promise<BulkApp> {
  const app = new RestApplication({rest: {host: '127.0.0.1', port: 0}});
  app.configure(TenantRegistryBindings.COMPONENT).to({
    cleanupInterval: 0,
    maxIdleTime: 1,
    maxTenants: Infinity,
    dashboard: {enabled: true, token: TOKEN},
  });
  app.component(TenantRegistryComponent);
  const listeners = new Set<(resync: TenantEventsResync) => void>();
  app.bind(TenantRegistryBindings.TENANT_EVENTS).to({
    publish: async () => {},
    subscribe: () => () => {},
    suspendedTenants: async () => [],
    subscribeResync(listener: (resync: TenantEventsResync) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  });
  await app.start();
  const registry = await app.get(TenantRegistryBindings.REGISTRY);
  const ds = new juggler.DataSource({name: 'db', connector: 'memory'});
  return {
    app,
    url: `${app.restServer.url}/tenant-registry/dashboard/api`,
    registry,
    manager: await app.get(TenantRegistryBindings.REGISTRY_MANAGER),
    options: await app.get(TenantRegistryBindings.OPTIONS),
    observer: await app.get('lifeCycleObservers.TenantEventsObserver'),
    resync: resync => listeners.forEach(listener => listener(resync)),
    addTenants(count) {
      for (let i = 0; i < count; i++) {
        runInTenant(`tenant-${i}`, () =>
          registry.defineTenantModel(ds, 'Order', ORDER()),
        );
      }
    },
  };
}

/** Call the dashboard's API, authorized. */
export async function callDashboard(
  url: string,
  method: string,
  path: string,
): Promise<unknown> {
  const res = await fetch(`${url}/${path}`, {
    method,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      'x-tenant-registry-action': '1',
    },
  });
  return res.json();
}

/** Child process: GET `api/stats` `calls` times, one after the other. */
export async function statsClient(url: string, calls: number): Promise<void> {
  for (let i = 0; i < calls; i++) await callDashboard(url, 'GET', 'stats');
  process.send!('done');
}

/**
 * This process's CPU (its main thread, and all of it) per `api/stats` call
 * it serves, the client being another process (`script --stats-client`).
 */
export async function serverCpuPerStatsCall(
  bench: BulkApp,
  calls: number,
  script: string,
) {
  await callDashboard(bench.url, 'GET', 'stats');
  const thread = mainThreadCpuMs();
  const cpu = process.cpuUsage();
  await new Promise((resolve, reject) => {
    const child = fork(script, ['--stats-client', bench.url, `${calls}`]);
    child.once('message', resolve).once('error', reject);
  });
  const used = process.cpuUsage(cpu);
  return {
    mainThreadMs: (mainThreadCpuMs() - thread) / calls,
    processMs: (used.user + used.system) / 1000 / calls,
  };
}

/** What `api/stats` computed in 0.1.0: a line per tenant and two sorts. */
export function statsAsIn010(bench: BulkApp): object {
  const now = Date.now();
  const rows = bench.registry.getTenantRegistryInfo().map(info => ({
    tenantId: info.tenantId,
    models: info.models + info.namedModels,
    idleMs: now - info.lastAccessed,
  }));
  return {
    health: checkHealth(bench.manager.getStats()),
    topByModels: [...rows].sort((a, b) => b.models - a.models).slice(0, 10),
    topByIdle: [...rows].sort((a, b) => b.idleMs - a.idleMs).slice(0, 10),
  };
}
