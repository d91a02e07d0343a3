// Copyright loopback4-tenant-registry contributors. MIT License.

import {inject} from '@loopback/core';
import {DefaultCrudRepository, juggler, repository} from '@loopback/repository';
import {get} from '@loopback/rest';
import {expect, type Client} from '@loopback/testlab';
import {
  TenantRegistryBindings,
  TenantRegistryComponent,
  TenantRegistryError,
  type ModelRegistry,
  type TenantRegistryOptions,
} from '../../src';
import {barrier, deferred, waitFor} from '../fixtures/async';
import {
  connectorCounts,
  connectorEvents,
  connectorHooks,
  givenCountingDataSource,
  resetConnectorCounts,
  TenantNoteController,
  TenantNoteRepository,
} from '../fixtures/counting-connector';
import {anonymousModelNames, builderOf} from '../fixtures/juggler';
import {
  givenTenantApp,
  Note,
  probeHooks,
  type TenantTestApp,
} from '../fixtures/tenant-app';

describe('per-tenant DataSources (acceptance)', () => {
  let app: TenantTestApp;
  let client: Client;
  let factoryCalls: string[];
  /** Resolved to let the factory finish; open unless a test closes it. */
  let factoryGate: Promise<void>;
  let failNext: boolean;
  /** Tenants the factory says do not exist (TENANT_NOT_FOUND). */
  let unknownTenants: Set<string>;

  beforeEach(() => {
    resetConnectorCounts();
    factoryCalls = [];
    failNext = false;
    unknownTenants = new Set();
    factoryGate = Promise.resolve();
  });
  afterEach(async () => {
    probeHooks.whileHandling = undefined;
    await app?.stop();
  });

  async function givenApp(
    options: TenantRegistryOptions = {},
    defaultDataSource?: juggler.DataSource,
  ) {
    ({app, client} = await givenTenantApp(options, {
      beforeStart: a => {
        a.bind(TenantRegistryBindings.DATASOURCE_FACTORY).to(async tenantId => {
          factoryCalls.push(tenantId);
          await factoryGate;
          if (failNext) {
            failNext = false;
            throw new Error('database unreachable: secret-host:5432');
          }
          if (unknownTenants.has(tenantId)) {
            throw new TenantRegistryError(
              'TENANT_NOT_FOUND',
              'No such tenant.',
            );
          }
          return givenCountingDataSource(`db_${tenantId}`);
        });
        if (defaultDataSource) {
          a.bind(TenantRegistryBindings.DEFAULT_DATASOURCE).to(
            defaultDataSource,
          );
        }
        a.repository(TenantNoteRepository);
        a.controller(TenantNoteController);
      },
    }));
  }

  it('creates exactly one DataSource for 200 concurrent first requests', async () => {
    await givenApp();
    // The factory cannot finish before all 200 requests have asked the pool
    // for the DataSource: they provably overlap, on any machine.
    const pool = await app.get(TenantRegistryBindings.DATASOURCE_POOL);
    const allAsked = barrier(201); // 200 requests and the factory
    const getDataSource = pool.get.bind(pool);
    pool.get = tenantId => {
      allAsked.wait().catch(() => {});
      return getDataSource(tenantId);
    };
    factoryGate = allAsked.wait();
    const responses = await Promise.all(
      Array.from({length: 200}, () =>
        client.get('/tenant-notes').set('x-tenant-id', 'new-tenant'),
      ),
    );
    expect(responses.map(r => r.status)).to.matchEach(200);
    expect(factoryCalls).to.deepEqual(['new-tenant']);
    expect(connectorCounts.created).to.equal(1);
    expect(pool.getStats()).to.containDeep({
      live: 1,
      slots: 1,
      creations: 1,
      failures: 0,
    });
  });

  it('gives tenants different DataSources and never each other’s data', async () => {
    await givenApp();
    await client
      .post('/tenant-notes')
      .set('x-tenant-id', 'a')
      .send({text: 'for a'})
      .expect(200);
    await client
      .post('/tenant-notes')
      .set('x-tenant-id', 'b')
      .send({text: 'for b'})
      .expect(200);
    const a = await client
      .get('/tenant-notes')
      .set('x-tenant-id', 'a')
      .expect(200);
    const b = await client
      .get('/tenant-notes')
      .set('x-tenant-id', 'b')
      .expect(200);
    expect(a.body.dataSource).to.equal('db_a');
    expect(b.body.dataSource).to.equal('db_b');
    expect(a.body.notes.map((n: Note) => n.text)).to.deepEqual(['for a']);
    expect(b.body.notes.map((n: Note) => n.text)).to.deepEqual(['for b']);
  });

  it('disconnects an idle tenant’s DataSource, keeps a busy one, and re-creates on demand', async () => {
    await givenApp({cleanupInterval: 20, maxIdleTime: 80});
    const registry = await app.get<ModelRegistry>(
      TenantRegistryBindings.REGISTRY,
    );
    const pool = await app.get(TenantRegistryBindings.DATASOURCE_POOL);
    await client
      .post('/tenant-notes')
      .set('x-tenant-id', 'a')
      .send({text: 'x'})
      .expect(200);
    await client
      .post('/tenant-notes')
      .set('x-tenant-id', 'b')
      .send({text: 'y'})
      .expect(200);
    const dsA = (await pool.get('a')) as juggler.DataSource;
    expect(anonymousModelNames(builderOf(dsA))).to.have.length(1);

    const inside = deferred();
    const finish = deferred();
    probeHooks.whileHandling = async tenantId => {
      if (tenantId !== 'b') return;
      inside.resolve();
      await finish.promise;
    };
    const slow = client
      .get('/tenant-notes')
      .set('x-tenant-id', 'b')
      .then(r => r);
    await inside.promise;
    await waitFor(() => !registry.tenantIds().includes('a'));
    await registry.drain();

    expect(connectorCounts.disconnects).to.equal(1);
    expect(dsA.connected).to.be.false();
    expect(Object.keys(builderOf(dsA).models)).to.be.empty();
    expect(registry.tenantIds()).to.deepEqual(['b']);

    finish.resolve();
    expect((await slow).body.notes).to.have.length(1);
    const again = await client
      .get('/tenant-notes')
      .set('x-tenant-id', 'a')
      .expect(200);
    expect(again.body.dataSource).to.equal('db_a');
    expect(factoryCalls.filter(t => t === 'a')).to.have.length(2);
  });

  it('answers 503 TENANT_DATASOURCE_UNAVAILABLE when the factory fails, and retries next time', async () => {
    await givenApp();
    failNext = true;
    const res = await client
      .get('/tenant-notes')
      .set('x-tenant-id', 'a')
      .expect(503);
    expect(res.body.error.code).to.equal('TENANT_DATASOURCE_UNAVAILABLE');
    expect(JSON.stringify(res.body)).to.not.containEql('secret-host');
    await client.get('/tenant-notes').set('x-tenant-id', 'a').expect(200);
    const pool = await app.get(TenantRegistryBindings.DATASOURCE_POOL);
    expect(pool.getStats()).to.containDeep({
      live: 1,
      slots: 1,
      creations: 1,
      failures: 1,
    });
  });

  it('answers 404 TENANT_NOT_FOUND when the factory does not know the tenant, 200 once it does, and stays healthy', async () => {
    await givenApp();
    unknownTenants.add('later');
    for (let i = 0; i < 3; i++) {
      const res = await client
        .get('/tenant-notes')
        .set('x-tenant-id', 'later')
        .expect(404);
      expect(res.body.error.code).to.equal('TENANT_NOT_FOUND');
    }
    await client.get('/tenant-notes').set('x-tenant-id', 'known').expect(200);
    unknownTenants.delete('later'); // the tenant is created
    const created = await client
      .get('/tenant-notes')
      .set('x-tenant-id', 'later')
      .expect(200);
    expect(created.body.dataSource).to.equal('db_later');
    expect(factoryCalls.filter(t => t === 'later')).to.have.length(4);
    const pool = await app.get(TenantRegistryBindings.DATASOURCE_POOL);
    expect(pool.getStats()).to.containDeep({
      failures: 0,
      notFound: 3,
      creations: 2,
      live: 2,
      slots: 2,
    });
    const health = await client.get('/health/tenant-registry').expect(200);
    expect(health.body.status).to.equal('healthy');
  });

  it('answers 400 TENANT_REQUIRED without a tenant, or uses a default DataSource', async () => {
    await givenApp();
    const res = await client.get('/tenant-notes').expect(400);
    expect(res.body.error.code).to.equal('TENANT_REQUIRED');
    await app.stop();
    await givenApp(
      {},
      new juggler.DataSource({name: 'shared', connector: 'memory'}),
    );
    const ok = await client.get('/tenant-notes').expect(200);
    expect(ok.body.dataSource).to.equal('shared');
  });

  describe('with a cap on open DataSources (dataSources.maxOpen)', () => {
    const list = (tenantId: string) =>
      client
        .get('/tenant-notes')
        .set('x-tenant-id', tenantId)
        .then(res => res);
    const poolOf = () => app.get(TenantRegistryBindings.DATASOURCE_POOL);

    it('closes the least recently used idle DataSource, with its tenant, to open one more', async () => {
      await givenApp({dataSources: {maxOpen: 2}});
      const registry = await app.get<ModelRegistry>(
        TenantRegistryBindings.REGISTRY,
      );
      for (const tenantId of ['a', 'b', 'a']) await list(tenantId);
      expect((await list('c')).status).to.equal(200);
      // b was the least recently used; c was created only once b had closed.
      expect(connectorEvents).to.deepEqual([
        'create db_a#1',
        'create db_b#2',
        'disconnect db_b#2',
        'disconnected db_b#2',
        'create db_c#3',
      ]);
      expect(registry.tenantIds()).to.deepEqual(['a', 'c']);
      expect(registry.getStats().evictions.capacity).to.equal(1);
      expect((await poolOf()).getStats()).to.containDeep({
        live: 2,
        slots: 2,
        closedForRoom: 1,
      });
    });

    it('makes a request wait while every open DataSource is busy, then gives it the first slot freed', async () => {
      await givenApp({dataSources: {maxOpen: 1, acquireTimeout: 10000}});
      const pool = await poolOf();
      const held = holdFirstRequestOf('a');
      const a = list('a');
      await held.inside;
      const b = list('b');
      await waitFor(() => pool.getStats().waiting === 1);
      expect(connectorEvents).to.deepEqual(['create db_a#1']);
      held.release();
      expect((await a).status).to.equal(200);
      expect((await b).body.label).to.equal('db_b#2');
      expect(connectorEvents).to.deepEqual([
        'create db_a#1',
        'disconnect db_a#1',
        'disconnected db_a#1',
        'create db_b#2',
      ]);
    });

    it('answers 503 TENANT_DATASOURCE_UNAVAILABLE with Retry-After when none frees up within acquireTimeout', async () => {
      await givenApp({dataSources: {maxOpen: 1, acquireTimeout: 20}});
      const held = holdFirstRequestOf('a');
      const a = list('a');
      await held.inside;
      const b = await list('b');
      expect(b.status).to.equal(503);
      expect(b.body.error.code).to.equal('TENANT_DATASOURCE_UNAVAILABLE');
      expect(b.headers['retry-after']).to.equal('1');
      held.release();
      expect((await a).status).to.equal(200);
      expect((await poolOf()).getStats()).to.containDeep({
        timeouts: 1,
        waiting: 0,
      });
      expect(connectorEvents).to.deepEqual(['create db_a#1']);
    });

    it('never hands out a DataSource that is closing: a request arriving meanwhile gets a new one', async () => {
      await givenApp({dataSources: {maxOpen: 1, acquireTimeout: 10000}});
      const pool = await poolOf();
      await list('a');
      const closing = deferred();
      const finishClose = deferred();
      connectorHooks.beforeDisconnect = async () => {
        connectorHooks.beforeDisconnect = undefined;
        closing.resolve();
        await finishClose.promise;
      };
      const b = list('b');
      await closing.promise;
      // db_a#1 is closing: a request for a must not get it.
      const a = list('a');
      await waitFor(() => pool.getStats().waiting === 2);
      finishClose.resolve();
      expect((await b).body.label).to.equal('db_b#2');
      expect((await a).body.label).to.equal('db_a#3');
      expect(connectorEvents).to.deepEqual([
        'create db_a#1',
        'disconnect db_a#1',
        'disconnected db_a#1',
        'create db_b#2',
        'disconnect db_b#2',
        'disconnected db_b#2',
        'create db_a#3',
      ]);
    });
  });

  it('replaces a DataSource that reported a connection error, and closes the old one when the responses holding it close', async () => {
    await givenApp();
    const pool = await app.get(TenantRegistryBindings.DATASOURCE_POOL);
    const held = holdFirstRequestOf('a');
    const first = client
      .get('/tenant-notes')
      .set('x-tenant-id', 'a')
      .then(res => res);
    await held.inside;
    const broken = (await pool.get('a')) as juggler.DataSource;
    broken.emit(
      'error',
      Object.assign(new Error('read'), {code: 'ECONNRESET'}),
    );

    const second = await client
      .get('/tenant-notes')
      .set('x-tenant-id', 'a')
      .expect(200);
    expect(second.body.label).to.equal('db_a#2');
    // The first request still holds db_a#1: it stays open until it is done.
    expect(connectorEvents).to.deepEqual(['create db_a#1', 'create db_a#2']);
    held.release();
    expect((await first).body.label).to.equal('db_a#1');
    await waitFor(() => connectorEvents.includes('disconnected db_a#1'));
    expect(pool.getStats()).to.containDeep({replaced: 1, live: 1, slots: 1});
  });

  describe('the key datasources.tenant (TENANT_DATASOURCE)', () => {
    it("is where @repository(Model, 'tenant') and @inject('datasources.tenant') find the tenant’s DataSource", async () => {
      await givenApp();
      app.controller(DataSourceNameController);
      for (const tenantId of ['a', 'b']) {
        const res = await client
          .get('/tenant-datasource-names')
          .set('x-tenant-id', tenantId)
          .expect(200);
        expect(res.body).to.deepEqual({
          repository: `db_${tenantId}`,
          injected: `db_${tenantId}`,
          notes: 0,
        });
      }
    });

    it('fails app.start() with TENANT_DATASOURCE_KEY_TAKEN when a DataSource class named tenant is bound after the component', async () => {
      const started = givenTenantApp(
        {},
        {beforeStart: a => a.dataSource(TenantNamedDataSource)},
      );
      await expect(started).to.be.rejectedWith({
        code: 'TENANT_DATASOURCE_KEY_TAKEN',
        message: /datasources\.tenant.*Rename it/,
      });
    });

    it('fails with TENANT_DATASOURCE_KEY_TAKEN when a DataSource named tenant was bound before the component', async () => {
      const started = givenTenantApp(
        {},
        {
          component: false,
          beforeStart: a => {
            a.dataSource(
              new juggler.DataSource({name: 'tenant', connector: 'memory'}),
            );
            a.component(TenantRegistryComponent);
          },
        },
      );
      await expect(started).to.be.rejectedWith({
        code: 'TENANT_DATASOURCE_KEY_TAKEN',
      });
    });
  });

  /** Hold the first request of a tenant inside the controller. */
  function holdFirstRequestOf(tenantId: string) {
    const inside = deferred();
    const release = deferred();
    probeHooks.whileHandling = async current => {
      if (current !== tenantId) return;
      probeHooks.whileHandling = undefined;
      inside.resolve();
      await release.promise;
    };
    return {inside: inside.promise, release: () => release.resolve()};
  }
});

/** A DataSource class as `lb4 datasource tenant` would write it. */
class TenantNamedDataSource extends juggler.DataSource {
  static dataSourceName = 'tenant';
  constructor() {
    super({name: 'tenant', connector: 'memory'});
  }
}

/** The tenant's DataSource found by its LB4 name, `tenant`. */
class DataSourceNameController {
  constructor(
    @repository(Note, 'tenant')
    private readonly notes: DefaultCrudRepository<Note, number, {}>,
    @inject('datasources.tenant')
    private readonly injected: juggler.DataSource,
  ) {}

  @get('/tenant-datasource-names', {
    responses: {
      '200': {content: {'application/json': {schema: {type: 'object'}}}},
    },
  })
  async names(): Promise<object> {
    return {
      repository: this.notes.dataSource.name,
      injected: this.injected.name,
      notes: (await this.notes.count()).count,
    };
  }
}
