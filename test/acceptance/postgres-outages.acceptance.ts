// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {TenantRegistryBindings} from '../../src';
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
} from '../fixtures/postgres-app';

const describePg = POSTGRES_SKIP_REASON ? describe.skip : describe;
const SKIPPED = POSTGRES_SKIP_REASON
  ? ` (skipped: ${POSTGRES_SKIP_REASON})`
  : '';
const UNAVAILABLE = 'TENANT_DATASOURCE_UNAVAILABLE';
const SCHEMA_TENANTS = ['acme', 'r1', 'r2', 'r3', 'r4'];

describePg(
  `per-tenant DataSources on PostgreSQL: outages (acceptance)${SKIPPED}`,
  () => {
    let cluster: PostgresCluster;
    let pgApp: PgApp | undefined;

    before(async () => {
      cluster = await PostgresCluster.create();
      await givenSharedDatabase(cluster);
      await provisionTenants(cluster, 'schema', SCHEMA_TENANTS);
      await provisionTenants(cluster, 'database', ['up', 'down']);
    });
    after(() => cluster?.destroy());
    afterEach(async () => {
      await pgApp?.app.stop();
      pgApp = undefined;
    });

    const get = (tenantId: string) =>
      pgApp!.client.get('/pg-notes').set('x-tenant-id', tenantId);

    function expectUnavailable(res: {status: number; body: {error?: object}}) {
      expect(res.status).to.equal(503);
      expect(res.body.error).to.containDeep({code: UNAVAILABLE});
    }

    it('answers 503 for a tenant whose database is down while others get 200, and recovers', async () => {
      pgApp = await givenPgApp(cluster, 'database');
      await get('up').expect(200);
      await get('down').expect(200);
      const database = quoteIdentifier(tenantNamespace('down'));
      await cluster.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS false`);
      await cluster.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1',
        [tenantNamespace('down')],
      );
      await waitFor(
        async () =>
          (await cluster.connections(`${TENANT_APPLICATION}down`)) === 0,
      );

      // The first request may still try the dying pool (its query's error is
      // mapped); from then on the DataSource is reopened and refused.
      expectUnavailable(await get('down'));
      const refused = await get('down');
      expectUnavailable(refused);
      expect(refused.headers['retry-after']).to.equal('1');
      await get('up').expect(200);

      await cluster.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`);
      await get('down').expect(200);
      await get('up').expect(200);
      const pool = await pgApp.app.get(TenantRegistryBindings.DATASOURCE_POOL);
      expect(pool.getStats().failures).to.be.aboveOrEqual(1);
      // No broken pool is left behind: one connection per live DataSource.
      await waitFor(
        async () => (await cluster.connections(TENANT_APPLICATION)) === 2,
      );
    });

    it('answers 503 for a tenant whose database does not exist yet, then 200 once it does', async () => {
      pgApp = await givenPgApp(cluster, 'database');
      const res = await get('late.tenant:1');
      expectUnavailable(res);
      expect(res.headers['retry-after']).to.equal('1');
      expect(JSON.stringify(res.body)).to.not.containEql('does not exist');
      await provisionTenants(cluster, 'database', ['late.tenant:1']);
      await get('late.tenant:1').expect(200);
      expect(pgApp.opened).to.deepEqual(['late.tenant:1', 'late.tenant:1']);
    });

    it('answers 503 when a query loses its connection, and gives the next request a new DataSource', async () => {
      pgApp = await givenPgApp(cluster, 'schema');
      const before = (await get('acme').expect(200)).body.dataSource;
      await cluster.query('SELECT pg_advisory_lock(42)', [], SHARED_DATABASE);
      // supertest sends on then(): start the request now.
      const blocked = pgApp.client
        .get('/pg-lock')
        .set('x-tenant-id', 'acme')
        .then(res => res);
      await waitFor(async () => (await lockWaiters('acme')) === 1);
      await cluster.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
        [`${TENANT_APPLICATION}acme`],
      );
      expectUnavailable(await blocked);
      await cluster.query('SELECT pg_advisory_unlock(42)', [], SHARED_DATABASE);

      const after = (await get('acme').expect(200)).body.dataSource;
      expect(after).to.not.equal(before);
    });

    it('answers 503 to a request that waits too long for a busy pool, and keeps its DataSource', async () => {
      pgApp = await givenPgApp(cluster, 'schema', {}, () => ({
        connectionTimeoutMillis: 300,
      }));
      const before = (await get('acme').expect(200)).body.dataSource;
      await cluster.query('SELECT pg_advisory_lock(42)', [], SHARED_DATABASE);
      // Both connections of the pool (max: 2) wait for the lock.
      const blocked = [1, 2].map(() =>
        pgApp!.client
          .get('/pg-lock')
          .set('x-tenant-id', 'acme')
          .then(res => res),
      );
      await waitFor(async () => (await lockWaiters('acme')) === 2);
      const waited = await get('acme');
      expectUnavailable(waited);
      await cluster.query('SELECT pg_advisory_unlock(42)', [], SHARED_DATABASE);
      for (const res of await Promise.all(blocked))
        expect(res.status).to.equal(200);

      // The pool was busy, not broken: the same DataSource serves on.
      const after = (await get('acme').expect(200)).body.dataSource;
      expect(after).to.equal(before);
      const pool = await pgApp.app.get(TenantRegistryBindings.DATASOURCE_POOL);
      expect(pool.getStats()).to.containDeep({replaced: 0, creations: 1});
    });

    function lockWaiters(tenantId: string): Promise<number> {
      return cluster
        .query(
          "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'",
          [`${TENANT_APPLICATION}${tenantId}`],
        )
        .then(rows => rows.length);
    }
  },
);
