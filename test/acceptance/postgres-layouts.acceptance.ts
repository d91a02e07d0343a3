// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {TenantRegistryBindings, type ModelRegistry} from '../../src';
import {waitFor} from '../fixtures/async';
import {
  POSTGRES_SKIP_REASON,
  PostgresCluster,
  quoteIdentifier,
} from '../fixtures/postgres';
import {
  givenPgApp,
  givenSharedDatabase,
  provisionTenants,
  SHARED_DATABASE,
  TENANT_APPLICATION,
  tenantNamespace,
  type PgApp,
  type TenantLayout,
} from '../fixtures/postgres-app';

const describePg = POSTGRES_SKIP_REASON ? describe.skip : describe;
const SKIPPED = POSTGRES_SKIP_REASON
  ? ` (skipped: ${POSTGRES_SKIP_REASON})`
  : '';

// Legal tenant ids that are awkward SQL identifiers: dots, colons, dashes,
// case, and two 128-character ids that share their first 100 characters.
const SCHEMA_TENANTS = ['acme', 'Acme', 'eu.acme:prod-1'];
const LONG = 'l'.repeat(100);
const DATABASE_TENANTS = [
  'db-a',
  'db.b:2',
  `${LONG}${'a'.repeat(28)}`,
  `${LONG}${'b'.repeat(28)}`,
];

describePg(
  `per-tenant DataSources on PostgreSQL: layouts (acceptance)${SKIPPED}`,
  () => {
    let cluster: PostgresCluster;
    let pgApp: PgApp | undefined;

    before(async () => {
      cluster = await PostgresCluster.create();
      await givenSharedDatabase(cluster);
      await provisionTenants(cluster, 'schema', SCHEMA_TENANTS);
      await provisionTenants(cluster, 'database', DATABASE_TENANTS);
    });
    after(() => cluster?.destroy());
    afterEach(async () => {
      await pgApp?.app.stop();
      pgApp = undefined;
    });

    for (const [layout, tenants] of [
      ['schema', SCHEMA_TENANTS],
      ['database', DATABASE_TENANTS],
    ] as [TenantLayout, string[]][]) {
      it(`${layout} per tenant: each tenant reads and writes only its own ${layout}`, async () => {
        const {client} = (pgApp = await givenPgApp(cluster, layout));
        for (const tenantId of tenants) {
          await client
            .post('/pg-notes')
            .set('x-tenant-id', tenantId)
            .send({text: `for ${tenantId}`})
            .expect(200);
        }
        for (const tenantId of tenants) {
          const res = await client
            .get('/pg-notes')
            .set('x-tenant-id', tenantId)
            .expect(200);
          expect(
            res.body.notes.map((n: {text: string}) => n.text),
          ).to.deepEqual([`for ${tenantId}`]);
          // From the server: the row is where the layout says, and only there.
          const name = tenantNamespace(tenantId);
          const rows =
            layout === 'schema'
              ? await cluster.query(
                  `SELECT text FROM ${quoteIdentifier(name)}.note`,
                  [],
                  SHARED_DATABASE,
                )
              : await cluster.query('SELECT text FROM note', [], name);
          expect(rows).to.deepEqual([{text: `for ${tenantId}`}]);
        }
      });
    }

    it('gives an id spelled like another id’s shortened name a schema of its own', async () => {
      const long = 'l'.repeat(100) + 'a'.repeat(28);
      // The tail of the long id's shortened name, as an id of its own (valid,
      // and short enough not to be shortened): it must not land there.
      const spelled = tenantNamespace(long).slice('tenant_'.length);
      const tenants = [long, spelled];
      expect(new Set(tenants.map(tenantNamespace)).size).to.equal(2);
      await provisionTenants(cluster, 'schema', tenants);
      const {client} = (pgApp = await givenPgApp(cluster, 'schema'));
      await client
        .post('/pg-notes')
        .set('x-tenant-id', long)
        .send({text: 'for the long id'})
        .expect(200);
      const res = await client
        .get('/pg-notes')
        .set('x-tenant-id', spelled)
        .expect(200);
      expect(res.body.notes).to.deepEqual([]);
    });

    it('closes an evicted tenant’s pool: pg_stat_activity shows its connections gone', async () => {
      pgApp = await givenPgApp(cluster, 'schema');
      const {app, client, opened} = pgApp;
      const registry = await app.get<ModelRegistry>(
        TenantRegistryBindings.REGISTRY,
      );
      const application = `${TENANT_APPLICATION}acme`;
      // Two requests that block in the database at once hold both pool
      // connections (pool size 2) until the lock is released.
      await cluster.query('SELECT pg_advisory_lock(42)', [], SHARED_DATABASE);
      const blocked = [1, 2].map(() =>
        client
          .get('/pg-lock')
          .set('x-tenant-id', 'acme')
          .then(r => r.status),
      );
      await waitFor(async () => (await cluster.connections(application)) === 2);
      await cluster.query('SELECT pg_advisory_unlock(42)', [], SHARED_DATABASE);
      expect(await Promise.all(blocked)).to.deepEqual([200, 200]);
      expect(await cluster.connections(application)).to.equal(2);

      expect(registry.evictTenant('acme')).to.not.be.undefined();
      await registry.drain();
      // No waiting: the close resolves only once the server has seen the
      // sessions end.
      expect(await cluster.connections(application)).to.equal(0);

      await client.get('/pg-notes').set('x-tenant-id', 'acme').expect(200);
      expect(opened).to.deepEqual(['acme', 'acme']);
      expect(await cluster.connections(application)).to.equal(1);
    });

    it('closes every tenant pool on app.stop()', async () => {
      pgApp = await givenPgApp(cluster, 'schema');
      for (const tenantId of SCHEMA_TENANTS) {
        await pgApp.client
          .get('/pg-notes')
          .set('x-tenant-id', tenantId)
          .expect(200);
      }
      expect(await cluster.connections(TENANT_APPLICATION)).to.equal(3);
      await pgApp.app.stop();
      expect(await cluster.connections(TENANT_APPLICATION)).to.equal(0);
    });
  },
);
