// Copyright loopback4-tenant-registry contributors. MIT License.

/*
 * One memory scenario in a fresh process (run with --expose-gc), printing one
 * JSON line. `bench/memory.ts` runs every scenario in both modes side by side.
 *
 *   node --expose-gc dist/bench/memory-scenario.js <scenario> <plain|bridge> <tenants> <requests>
 */

import {
  DefaultCrudRepository,
  Entity,
  juggler,
  model,
  property,
} from '@loopback/repository';
import {installJugglerBridge, ModelRegistry, runInTenant} from '../src';
import {TenantDataSourcePool} from '../src/datasources/tenant-datasource-pool';

type Mode = 'plain' | 'bridge';
type Builder = {models: Record<string, unknown>};

interface Workload {
  /** Serve one request for a tenant. */
  request(tenantId: string, requestNumber: number): Promise<void>;
  /** Builders to count anonymous models in. */
  builders(): Builder[];
  /** Release the tenant: the registry with the bridge, else the best plain juggler offers. */
  release(tenantId: string): Promise<void>;
}

const ROW = {
  name: 'Ada',
  address: {street: '1 Main St', city: 'Springfield'},
  items: [{sku: 'X-1', qty: 2}],
};
const customerProperties = () => ({
  id: {type: Number, id: true, generated: true},
  name: String,
  address: {street: String, city: String},
  items: [{sku: String, qty: Number}],
});

@model()
class Shipment extends Entity {
  @property({id: true, generated: true}) id?: number;
  @property({type: {street: 'string', city: 'string'}})
  address?: {street: string; city: string};
  @property.array({sku: 'string', qty: 'number'})
  items?: {sku: string; qty: number}[];
}

const builderOf = (ds: juggler.DataSource) =>
  (ds as unknown as {modelBuilder: Builder}).modelBuilder;
type Crud = {
  create(data: object): Promise<{id: unknown}>;
  findById(id: unknown): Promise<unknown>;
};

function sharedModelPerTenant(registry: ModelRegistry, mode: Mode): Workload {
  const ds = new juggler.DataSource({connector: 'memory'});
  return {
    async request(tenantId) {
      const Customer = ds.createModel(
        `Customer_${tenantId}`,
        customerProperties(),
      ) as unknown as Crud;
      if (mode === 'bridge') registry.trackModel(tenantId, Customer);
      const row = await Customer.create(ROW);
      await Customer.findById(row.id);
    },
    builders: () => [builderOf(ds)],
    async release(tenantId) {
      if (mode === 'bridge') await registry.cleanupTenant(tenantId);
      else ds.deleteModelByName(`Customer_${tenantId}`);
    },
  };
}

function redefinedPerRequest(registry: ModelRegistry, mode: Mode): Workload {
  const ds = new juggler.DataSource({connector: 'memory'});
  return {
    async request(tenantId) {
      const Customer = ds.createModel(
        'Customer',
        customerProperties(),
      ) as unknown as Crud;
      if (mode === 'bridge') registry.trackModel(tenantId, Customer);
      const row = await Customer.create(ROW);
      await Customer.findById(row.id);
    },
    builders: () => [builderOf(ds)],
    async release(tenantId) {
      if (mode === 'bridge') await registry.cleanupTenant(tenantId);
    },
  };
}

function dataSourcePerTenant(registry: ModelRegistry, mode: Mode): Workload {
  const dataSources = new Map<string, juggler.DataSource>();
  // With the registry, the app drops its reference when a tenant is evicted.
  registry.on('tenantEvicted', ({tenantId}) => dataSources.delete(tenantId));
  return {
    async request(tenantId) {
      let ds = dataSources.get(tenantId);
      if (ds === undefined) {
        ds = new juggler.DataSource({
          name: `db_${tenantId}`,
          connector: 'memory',
        });
        dataSources.set(tenantId, ds);
        if (mode === 'bridge') registry.trackDataSource(tenantId, ds);
      }
      const repo = new DefaultCrudRepository(Shipment, ds);
      const row = await repo.create({
        address: {street: 's', city: 'c'},
        items: [{sku: 'a', qty: 1}],
      });
      await repo.findById(row.id);
    },
    builders: () => [...dataSources.values()].map(builderOf),
    async release(tenantId) {
      if (mode === 'bridge') await registry.cleanupTenant(tenantId);
    },
  };
}

function lb4InlineTypes(registry: ModelRegistry, mode: Mode): Workload {
  const ds = new juggler.DataSource({connector: 'memory'});
  return {
    async request(tenantId, requestNumber) {
      const repo = new DefaultCrudRepository(Shipment, ds);
      const row = await repo.create({
        address: {street: tenantId, city: 'c'},
        items: [{sku: 'a', qty: requestNumber}],
      });
      await repo.findById(row.id);
    },
    builders: () => [builderOf(ds)],
    async release(tenantId) {
      if (mode === 'bridge') await registry.cleanupTenant(tenantId);
    },
  };
}

function tenantDataSourceCache(registry: ModelRegistry, mode: Mode): Workload {
  // plain: what the LB4 example and dynamic-datasource extensions do, a map
  // that is never emptied; bridge: the package's TenantDataSourcePool.
  const plain = new Map<string, juggler.DataSource>();
  const cache = new TenantDataSourcePool(
    registry,
    tenantId =>
      new juggler.DataSource({name: `db_${tenantId}`, connector: 'memory'}),
  );
  const dataSourceOf = async (tenantId: string) => {
    if (mode === 'bridge')
      return (await cache.get(tenantId)) as juggler.DataSource;
    let ds = plain.get(tenantId);
    if (ds === undefined) {
      ds = new juggler.DataSource({
        name: `db_${tenantId}`,
        connector: 'memory',
      });
      plain.set(tenantId, ds);
    }
    return ds;
  };
  const live = new Set<juggler.DataSource>();
  return {
    async request(tenantId) {
      const ds = await dataSourceOf(tenantId);
      live.add(ds);
      const repo = new DefaultCrudRepository(Shipment, ds);
      const row = await repo.create({
        address: {street: 's', city: 'c'},
        items: [{sku: 'a', qty: 1}],
      });
      await repo.findById(row.id);
    },
    builders: () => [...live].map(builderOf),
    async release(tenantId) {
      if (mode === 'bridge') {
        const ds = await cache.get(tenantId);
        await registry.cleanupTenant(tenantId);
        live.delete(ds as juggler.DataSource);
      }
    },
  };
}

/** The scenarios of the bridge issue, by name. */
export const SCENARIOS = {
  'shared-ds-model-per-tenant': sharedModelPerTenant,
  'redefined-per-request': redefinedPerRequest,
  'ds-per-tenant': dataSourcePerTenant,
  'lb4-inline-types': lb4InlineTypes,
  'tenant-datasource-cache': tenantDataSourceCache,
};

async function heapUsed(): Promise<number> {
  const gc = (global as {gc?: () => void}).gc;
  if (gc === undefined) throw new Error('run node with --expose-gc');
  // End the current job first: WeakRef targets touched in it are kept alive
  // until it ends, whatever gc() is asked.
  await new Promise(resolve => setImmediate(resolve));
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

function countAnonymous(builders: Builder[]): number {
  let count = 0;
  for (const builder of builders) {
    for (const name in builder.models)
      if (name.startsWith('AnonymousModel_')) count++;
  }
  return count;
}

async function main(): Promise<void> {
  const [scenario, mode, tenantsArg, requestsArg] = process.argv.slice(2);
  const tenantCount = Number(tenantsArg);
  const requests = Number(requestsArg);
  const registry = new ModelRegistry();
  const uninstall =
    mode === 'bridge' ? installJugglerBridge(registry) : () => {};
  const workload = SCENARIOS[scenario as keyof typeof SCENARIOS](
    registry,
    mode as Mode,
  );
  // Warm up (JIT code, connector caches) with throwaway tenants, so the
  // baseline holds the fixed costs and the deltas are per tenant.
  const warmup = Array.from({length: 50}, (_, i) => `warmup-${i}`);
  for (const tenantId of warmup) {
    await runInTenant(tenantId, () => workload.request(tenantId, 0));
    await workload.release(tenantId);
  }
  const baseline = await heapUsed();
  const anonymousBaseline = countAnonymous(workload.builders());
  const cycle = async (prefix: string) => {
    const tenants = Array.from(
      {length: tenantCount},
      (_, i) => `${prefix}-${i}`,
    );
    for (let r = 0; r < requests; r++) {
      for (const tenantId of tenants) {
        await runInTenant(tenantId, () => workload.request(tenantId, r));
      }
    }
    const anonymous = countAnonymous(workload.builders()) - anonymousBaseline;
    const heap = await heapUsed();
    for (const tenantId of tenants) await workload.release(tenantId);
    return {anonymous, heap};
  };
  const first = await cycle('tenant');
  const anonymousReleased =
    countAnonymous(workload.builders()) - anonymousBaseline;
  const heapReleased = await heapUsed();
  // A second cycle over new tenants: hash tables are at their peak size by
  // now, so what it adds is what each evicted tenant really leaves behind.
  await cycle('again');
  const heapSecondCycle = await heapUsed();
  uninstall();
  process.stdout.write(
    JSON.stringify({
      scenario,
      mode,
      tenants: tenantCount,
      requests,
      anonymousLoaded: first.anonymous,
      anonymousReleased,
      bytesPerTenantLoaded: (first.heap - baseline) / tenantCount,
      bytesPerTenantReleased: (heapReleased - baseline) / tenantCount,
      bytesPerTenantSecondCycle: (heapSecondCycle - heapReleased) / tenantCount,
    }) + '\n',
  );
}

if (require.main === module) {
  main().catch(error => {
    process.stderr.write(`${error?.stack ?? error}\n`);
    process.exit(1);
  });
}
