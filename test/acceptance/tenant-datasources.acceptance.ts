// Copyright loopback4-tenant-registry contributors. MIT License.

import {inject} from '@loopback/core';
import {DefaultCrudRepository, juggler, repository} from '@loopback/repository';
import {get, post, requestBody} from '@loopback/rest';
import {expect, type Client} from '@loopback/testlab';
import {
  getCurrentTenant,
  TenantRegistryBindings,
  type ModelRegistry,
  type TenantRegistryOptions,
} from '../../src';
import {barrier, deferred, waitFor} from '../fixtures/async';
import {
  connectorCounts,
  givenCountingDataSource,
  resetConnectorCounts,
} from '../fixtures/counting-connector';
import {anonymousModelNames, builderOf} from '../fixtures/juggler';
import {
  givenTenantApp,
  Note,
  probeHooks,
  type TenantTestApp,
} from '../fixtures/tenant-app';

/** A repository on the current tenant's own DataSource. */
class TenantNoteRepository extends DefaultCrudRepository<Note, number, {}> {
  constructor(
    @inject(TenantRegistryBindings.TENANT_DATASOURCE)
    dataSource: juggler.DataSource,
  ) {
    super(Note, dataSource);
  }
}

const JSON_OBJECT = {
  content: {'application/json': {schema: {type: 'object' as const}}},
};
const RESPONSE = {responses: {'200': JSON_OBJECT}};

class TenantNoteController {
  constructor(
    @repository(TenantNoteRepository)
    private readonly notes: TenantNoteRepository,
  ) {}

  @post('/tenant-notes', RESPONSE)
  create(@requestBody(JSON_OBJECT) body: Partial<Note>): Promise<Note> {
    return this.notes.create(body);
  }

  @get('/tenant-notes', RESPONSE)
  async list(): Promise<object> {
    await probeHooks.whileHandling?.(getCurrentTenant());
    return {
      dataSource: (this.notes.dataSource as juggler.DataSource).name,
      notes: await this.notes.find(),
    };
  }
}

describe('per-tenant DataSources (acceptance)', () => {
  let app: TenantTestApp;
  let client: Client;
  let factoryCalls: string[];
  /** Resolved to let the factory finish; open unless a test closes it. */
  let factoryGate: Promise<void>;
  let failNext: boolean;

  beforeEach(() => {
    resetConnectorCounts();
    factoryCalls = [];
    failNext = false;
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
    // The factory cannot finish before all 200 requests have asked the cache
    // for the DataSource: they provably overlap, on any machine.
    const cache = await app.get(TenantRegistryBindings.TENANT_DATASOURCES);
    const allAsked = barrier(201); // 200 requests and the factory
    const getDataSource = cache.get.bind(cache);
    cache.get = tenantId => {
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
    expect(cache.getStats()).to.containDeep({
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
    const cache = await app.get(TenantRegistryBindings.TENANT_DATASOURCES);
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
    const dsA = (await cache.get('a')) as juggler.DataSource;
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
    const cache = await app.get(TenantRegistryBindings.TENANT_DATASOURCES);
    expect(cache.getStats()).to.containDeep({
      live: 1,
      slots: 1,
      creations: 1,
      failures: 1,
    });
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
});
