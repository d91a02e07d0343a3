// Copyright loopback4-tenant-registry contributors. MIT License.

import {juggler} from '@loopback/repository';
import {expect} from '@loopback/testlab';
import {
  getCurrentTenant,
  TenantRegistryBindings,
  type TenantMigration,
  type TenantMigrationResult,
  type TenantRegistryOptions,
  type TenantSchemas,
} from '../../src';
import {barrier, deferred} from '../fixtures/async';
import {Item, tenantIds} from '../fixtures/schemas-app';
import {givenTenantApp, type TenantTestApp} from '../fixtures/tenant-app';

const TENANTS = tenantIds('m', 12);

describe('TenantSchemas on memory DataSources (acceptance)', () => {
  let app: TenantTestApp | undefined;
  let dataSources: Map<string, juggler.DataSource>;

  afterEach(async () => {
    await app?.stop();
    app = undefined;
  });

  it('migrates each tenant once: a second run finds them all up to date', async () => {
    const schemas = await givenSchemas({schemas: {models: [Item]}});

    const first = await schemas.migrate(TENANTS);
    const second = await schemas.migrate(TENANTS);

    expect(first).to.containDeep({migrated: TENANTS.length, failed: []});
    expect(second).to.containDeep({migrated: 0, upToDate: TENANTS.length});
    expect(await schemas.isCurrent(TENANTS[5])).to.be.true();
    expect(schemas.lastResults().map(r => r.tenantId)).to.deepEqual(TENANTS);
  });

  it('reports a failing tenant with its error, and migrates the others', async () => {
    const failure = new Error('lock timeout on orders');
    const seen: (string | undefined)[] = [];
    const schemas = await givenSchemas(
      {schemas: {version: '1'}},
      async (_, tenantId) => {
        seen.push(getCurrentTenant());
        if (tenantId === TENANTS[2]) throw failure;
      },
    );

    const summary = await schemas.migrate(TENANTS);

    expect(summary.migrated).to.equal(TENANTS.length - 1);
    expect(summary.failed).to.deepEqual([
      {tenantId: TENANTS[2], error: failure},
    ]);
    // The migration runs inside its tenant.
    expect([...seen].sort()).to.deepEqual(TENANTS);
    const again = await schemas.migrate([TENANTS[2], TENANTS[3]]);
    expect(again).to.containDeep({
      upToDate: 1,
      failed: [{tenantId: TENANTS[2]}],
    });
  });

  it('fails every tenant with INVALID_OPTION for a migration function without a version', async () => {
    const schemas = await givenSchemas({}, async () => {});

    const {failed} = await schemas.migrate(TENANTS.slice(0, 2));

    expect(failed).to.have.length(2);
    expect(failed[0].error).to.containDeep({code: 'INVALID_OPTION'});
    expect(String(failed[0].error)).to.match(/`schemas.version`/);
  });

  it('fails an invalid tenant id alone with INVALID_TENANT_ID', async () => {
    const schemas = await givenSchemas({schemas: {models: [Item]}});

    const summary = await schemas.migrate(['__proto__', TENANTS[0], '']);

    expect(summary.migrated).to.equal(1);
    expect(summary.failed.map(f => f.tenantId)).to.deepEqual(['__proto__', '']);
    expect(summary.failed[0].error).to.containDeep({code: 'INVALID_TENANT_ID'});
    expect(schemas.lastResults().map(r => r.tenantId)).to.deepEqual([
      TENANTS[0],
    ]);
  });

  it('migrates at most `concurrency` tenants at once', async () => {
    let active = 0;
    let peak = 0;
    const overlap = barrier(3);
    const schemas = await givenSchemas(
      {dataSources: {maxOpen: 6}, schemas: {version: '1'}},
      async () => {
        peak = Math.max(peak, ++active);
        if (peak <= 3) await overlap.wait(); // the first three overlap
        await new Promise(setImmediate);
        active--;
      },
    );

    const summary = await schemas.migrate(TENANTS);

    expect(summary.migrated).to.equal(TENANTS.length);
    expect(peak).to.equal(3); // the default: half of maxOpen
    await expect(schemas.migrate(TENANTS, {concurrency: 7})).to.be.rejectedWith(
      {code: 'INVALID_OPTION'},
    );
  });

  it('migrates a duplicated tenant once, takes an async iterable, and survives a throwing onResult', async () => {
    const schemas = await givenSchemas({schemas: {models: [Item]}});
    async function* catalog() {
      yield* [TENANTS[0], TENANTS[1], TENANTS[0]];
    }

    const results: string[] = [];
    const summary = await schemas.migrate(catalog(), {
      onResult: ({result}) => {
        results.push(result);
        throw new Error('a broken progress bar');
      },
    });

    expect(summary).to.containDeep({migrated: 2, upToDate: 1, failed: []});
    expect(results).to.have.length(3);
  });

  it('stops taking tenants when its signal aborts', async () => {
    const schemas = await givenSchemas({schemas: {models: [Item]}});
    const controller = new AbortController();
    const results: TenantMigrationResult[] = [];

    const summary = await schemas.migrate(TENANTS, {
      concurrency: 1,
      signal: controller.signal,
      onResult: result => {
        results.push(result);
        if (results.length === 2) controller.abort();
      },
    });

    expect(summary).to.containDeep({migrated: 2, aborted: true});
  });

  it('waits on app.stop() for the tenant in progress, and takes no more', async () => {
    const started = deferred();
    const release = deferred();
    const schemas = await givenSchemas({schemas: {version: '1'}}, async () => {
      started.resolve();
      await release.promise;
    });
    const run = schemas.migrate(TENANTS, {concurrency: 1});
    await started.promise;

    let isStopped = false;
    const stopping = app!.stop().then(() => (isStopped = true));
    await new Promise(setImmediate);
    expect(isStopped).to.be.false();
    release.resolve();
    await stopping;
    app = undefined;

    expect(await run).to.containDeep({migrated: 1, aborted: true});
  });

  it('refuses to drop a schema without allowDrop, or on a connector without schemas', async () => {
    const refusing = await givenSchemas({});
    await expect(
      refusing.dropTenantSchema(TENANTS[0], {confirm: TENANTS[0]}),
    ).to.be.rejectedWith(/`schemas.allowDrop` is off/);
    await app!.stop();

    const memory = await givenSchemas({schemas: {allowDrop: true}});
    await expect(
      memory.dropTenantSchema(TENANTS[0], {confirm: TENANTS[0]}),
    ).to.be.rejectedWith({
      code: 'TENANT_SCHEMA_DROP_REFUSED',
      message: /not a PostgreSQL one/,
    });
    await expect(
      memory.dropTenantSchema('__proto__', {confirm: '__proto__'}),
    ).to.be.rejectedWith({code: 'INVALID_TENANT_ID'});
  });

  /** An app whose tenants each have a memory DataSource of the app's. */
  async function givenSchemas(
    options: TenantRegistryOptions,
    migration?: TenantMigration,
  ): Promise<TenantSchemas> {
    dataSources = new Map();
    const given = await givenTenantApp(options, {
      beforeStart: a => {
        a.bind(TenantRegistryBindings.DATASOURCE_FACTORY).to(tenantId => {
          let ds = dataSources.get(tenantId);
          if (ds === undefined) {
            ds = new juggler.DataSource({name: tenantId, connector: 'memory'});
            dataSources.set(tenantId, ds);
          }
          // Lent: kept (with its data) when the tenant is evicted.
          return {dataSource: ds, owned: false};
        });
        if (migration)
          a.bind(TenantRegistryBindings.TENANT_MIGRATION).to(migration);
      },
    });
    app = given.app;
    return app.get(TenantRegistryBindings.TENANT_SCHEMAS);
  }
});
