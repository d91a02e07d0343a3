// Copyright loopback4-tenant-registry contributors. MIT License.

import {juggler} from '@loopback/repository';
import {expect} from '@loopback/testlab';
import {EventEmitter} from 'node:events';
import {
  ModelRegistry,
  TenantRegistryError,
  type TenantDataSourceFactory,
} from '../../src';
import {TenantDataSourcePool} from '../../src/datasources/tenant-datasource-pool';
import {builderOf} from '../fixtures/juggler';

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

  describe('a DataSource the factory lends ({dataSource, owned: false})', () => {
    it('is never disconnected, by eviction or stop(), but loses the tenant’s models and its pool entry', async () => {
      const appOwned = givenAppDataSource();
      const {registry, pool} = givenLendingPool(appOwned);
      expect(await pool.get('a')).to.equal(appOwned);
      appOwned.createModel('Note_a', {text: String});
      registry.evictTenant('a');
      await registry.drain();
      expect(appOwned.disconnects).to.equal(0);
      expect(appOwned.connected).to.be.true();
      expect(Object.keys(builderOf(appOwned).models)).to.be.empty();
      expect(pool.getStats()).to.containDeep({live: 0, slots: 0});
      await pool.get('a');
      await pool.stop();
      expect(appOwned.disconnects).to.equal(0);
      expect(pool.getStats()).to.containDeep({live: 0, slots: 0});
    });

    it('gains no listener or observer over 50 evict and reopen cycles', async () => {
      const appOwned = givenAppDataSource();
      const {registry, pool} = givenLendingPool(appOwned);
      await pool.get('a');
      const before = listenersOf(appOwned);
      expect(before.error).to.be.above(0);
      for (let cycle = 0; cycle < 50; cycle++) {
        registry.evictTenant('a');
        await registry.drain();
        expect(await pool.get('a')).to.equal(appOwned);
      }
      expect(listenersOf(appOwned)).to.deepEqual(before);
      expect(pool.getStats()).to.containDeep({creations: 51, live: 1});
    });

    it('is disconnected when the factory says owned: true, as a plain return is', async () => {
      const ds = givenAppDataSource();
      const {registry, pool} = givenLendingPool(ds, true);
      await pool.get('a');
      registry.evictTenant('a');
      await registry.drain();
      expect(ds.disconnects).to.equal(1);
    });

    it('keeps its models while a newer entry lends it: the replaced broken entry’s close leaves them', async () => {
      const appOwned = givenAppDataSource();
      const {registry, pool} = givenLendingPool(appOwned);
      const response = new EventEmitter();
      await pool.get('a', response);
      appOwned.emit('error', Object.assign(new Error('x'), {code: 'EPIPE'}));
      expect(await pool.get('a')).to.equal(appOwned);
      appOwned.createModel('Note_a', {text: String});
      response.emit('close'); // the broken entry closes now
      await registry.drain();
      expect(pool.getStats()).to.containDeep({replaced: 1, live: 1});
      expect(Object.keys(builderOf(appOwned).models)).to.containEql('Note_a');
      registry.evictTenant('a');
      await registry.drain();
      expect(Object.keys(builderOf(appOwned).models)).to.be.empty();
      expect(appOwned.disconnects).to.equal(0);
    });

    function givenLendingPool(dataSource: AppDataSource, owned = false) {
      const registry = new ModelRegistry({disconnectTimeout: 1000});
      const factory: TenantDataSourceFactory<AppDataSource> = () => ({
        dataSource,
        owned,
      });
      const pool = new TenantDataSourcePool<AppDataSource>(registry, factory, {
        disconnectTimeout: 1000,
      });
      return {registry, pool};
    }
  });

  describe('when the factory throws TENANT_NOT_FOUND', () => {
    it('passes it on as is, counts no failure, caches nothing and frees the slot', async () => {
      const known = new Set<string>();
      const registry = new ModelRegistry();
      const pool = new TenantDataSourcePool(registry, tenantId => {
        if (known.has(tenantId)) return new FakeDataSource(async () => {});
        throw new TenantRegistryError('TENANT_NOT_FOUND', 'No such tenant.');
      });
      await expect(pool.get('new')).to.be.rejectedWith({
        code: 'TENANT_NOT_FOUND',
        statusCode: 404,
      });
      expect(pool.getStats()).to.containDeep({
        failures: 0,
        notFound: 1,
        live: 0,
        slots: 0,
      });
      known.add('new');
      await pool.get('new');
      expect(pool.getStats()).to.containDeep({live: 1, failures: 0});
    });

    it('still answers TENANT_DATASOURCE_UNAVAILABLE for any other error, TenantRegistryErrors included', async () => {
      const pool = new TenantDataSourcePool(new ModelRegistry(), () => {
        throw new TenantRegistryError('TENANT_SUSPENDED', 'not this one');
      });
      await expect(pool.get('a')).to.be.rejectedWith({
        code: 'TENANT_DATASOURCE_UNAVAILABLE',
      });
      expect(pool.getStats()).to.containDeep({failures: 1, notFound: 0});
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

/** A memory DataSource the application owns, counting its disconnects. */
type AppDataSource = juggler.DataSource & {disconnects: number};

function givenAppDataSource(): AppDataSource {
  const ds = new juggler.DataSource({name: 'db.a', connector: 'memory'});
  const counted = Object.assign(ds, {disconnects: 0});
  const disconnect = ds.disconnect.bind(ds) as () => Promise<void>;
  counted.disconnect = (() => {
    counted.disconnects++;
    return disconnect();
  }) as typeof ds.disconnect;
  return counted;
}

/** The listeners and connector observers the package could add. */
function listenersOf(ds: juggler.DataSource) {
  const observers = (
    ds.connector as unknown as {_observers?: Record<string, unknown[]>}
  )._observers;
  return {
    error: ds.listenerCount('error'),
    connected: ds.listenerCount('connected'),
    afterExecuteError: observers?.['after execute error']?.length ?? 0,
  };
}
