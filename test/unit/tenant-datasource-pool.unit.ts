// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {EventEmitter} from 'node:events';
import {ModelRegistry} from '../../src';
import {TenantDataSourcePool} from '../../src/datasources/tenant-datasource-pool';

describe('TenantDataSourcePool', () => {
  describe('when the registry evicts a tenant', () => {
    it('closes its DataSource once: one disconnect, its models dropped once, its slot freed', async () => {
      const {registry, pool, dataSources} = givenPool();
      const ds = await pool.get('a');
      registry.evictTenant('a');
      await registry.drain();
      expect(dataSources).to.deepEqual([ds]);
      expect(ds.disconnects).to.equal(1);
      expect(ds.modelReads).to.equal(1);
      expect(ds.modelBuilder.models).to.be.empty();
      expect(pool.getStats()).to.containDeep({live: 0, slots: 0});
      expect(registry.getStats().disconnectFailures).to.equal(0);
    });

    it('bounds the close by the pool’s disconnectTimeout alone, and counts a failure once', async () => {
      const {registry, pool} = givenPool({
        registryTimeout: 3_600_000,
        disconnect: () => new Promise(() => {}),
      });
      const ds = await pool.get('a');
      registry.evictTenant('a');
      await registry.drain();
      expect(ds.disconnects).to.equal(1);
      expect(registry.getStats().disconnectFailures).to.equal(1);
      expect(pool.getStats().slots).to.equal(0);
    });

    it('gets a new DataSource for the tenant on its next request', async () => {
      const {registry, pool} = givenPool();
      const first = await pool.get('a');
      registry.evictTenant('a');
      const second = await pool.get('a');
      expect(second).to.not.equal(first);
      await registry.drain();
      expect(pool.getStats()).to.containDeep({live: 1, slots: 1, creations: 2});
    });
  });

  describe('when a DataSource breaks', () => {
    it('closes the broken one itself, and the eviction later neither closes it again nor counts its failure twice', async () => {
      const {registry, pool} = givenPool({
        disconnect: () => Promise.reject(new Error('socket gone')),
      });
      const broken = await pool.get('a');
      broken.emit('error', Object.assign(new Error('x'), {code: 'ECONNRESET'}));
      const replacement = await pool.get('a');
      expect(replacement).to.not.equal(broken);
      registry.evictTenant('a');
      await registry.drain();
      expect(broken.disconnects).to.equal(1);
      expect(replacement.disconnects).to.equal(1);
      expect(registry.getStats().disconnectFailures).to.equal(2);
      expect(pool.getStats()).to.containDeep({replaced: 1, live: 0, slots: 0});
    });
  });

  function givenPool({
    registryTimeout = 1000,
    disconnect = () => Promise.resolve(),
  }: {registryTimeout?: number; disconnect?: () => Promise<void>} = {}) {
    const registry = new ModelRegistry({disconnectTimeout: registryTimeout});
    const dataSources: FakeDataSource[] = [];
    const pool = new TenantDataSourcePool<FakeDataSource>(
      registry,
      () => {
        const ds = new FakeDataSource(disconnect);
        dataSources.push(ds);
        return ds;
      },
      {disconnectTimeout: 20},
    );
    return {registry, pool, dataSources};
  }
});

/** A DataSource that counts its disconnects and reads of its builder. */
class FakeDataSource extends EventEmitter {
  disconnects = 0;
  modelReads = 0;
  private readonly builder = {
    models: {Note: {}} as Record<string, unknown>,
    definitions: {Note: {}} as Record<string, unknown>,
  };

  constructor(private readonly onDisconnect: () => Promise<void>) {
    super();
  }

  get modelBuilder() {
    this.modelReads++;
    return this.builder;
  }

  disconnect(): Promise<void> {
    this.disconnects++;
    return this.onDisconnect();
  }
}
