// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import type {
  TenantMigration,
  TenantMigrationResult,
  TenantSchemaOptions,
} from '../../src';
import {tenantLockKeys} from '../../src/schemas/tenant-lock';
import {deferred} from '../fixtures/async';
import {
  pgClient,
  POSTGRES_SKIP_REASON,
  PostgresCluster,
} from '../fixtures/postgres';
import {
  givenSharedDatabase,
  SHARED_DATABASE,
  type PgApp,
} from '../fixtures/postgres-app';
import {
  countingMigration,
  givenMigrationRuns,
  givenSchemasApp,
  migrationRuns,
  stampedTenants,
  tenantIds,
} from '../fixtures/schemas-app';
import {
  startMigrator,
  type MigratorProcess,
} from '../fixtures/schemas-migrator';

const describePg = POSTGRES_SKIP_REASON ? describe.skip : describe;
const SKIPPED = POSTGRES_SKIP_REASON
  ? ` (skipped: ${POSTGRES_SKIP_REASON})`
  : '';

const VERSION = '2026.12.1';

describePg(
  `TenantSchemas on PostgreSQL: more than one migrator (acceptance)${SKIPPED}`,
  () => {
    let cluster: PostgresCluster;
    const apps: PgApp[] = [];
    let migrator: MigratorProcess | undefined;
    let afterEachRelease: (() => void) | undefined;

    before(async () => {
      cluster = await PostgresCluster.create();
      await givenSharedDatabase(cluster);
      await givenMigrationRuns(cluster);
    });
    after(() => cluster?.destroy());
    afterEach(async () => {
      afterEachRelease?.();
      afterEachRelease = undefined;
      migrator?.child.kill('SIGKILL');
      await migrator?.exited;
      migrator = undefined;
      await Promise.all(apps.splice(0).map(({app}) => app.stop()));
    });

    it('a migrator killed with SIGKILL mid-run and started again migrates only the rest', async () => {
      const tenants = tenantIds('k', 40);
      migrator = startMigrator(cluster, {
        tenantIds: tenants,
        version: VERSION,
        concurrency: 2,
      });
      await migrator.migratedAtLeast(10);
      migrator.child.kill('SIGKILL');
      expect(await migrator.exited).to.equal('signal SIGKILL');
      const reported = [...migrator.migrated];
      const stamped = await stampedTenants(cluster, tenants);
      expect(stamped.length).to.be.within(10, tenants.length - 1);

      const {schemas} = await givenApp(countingMigration);
      const summary = await schemas.migrate(tenants, {createSchemas: true});

      // The killed session's locks went with it: nothing is `locked`.
      expect(summary).to.containDeep({
        migrated: tenants.length - stamped.length,
        upToDate: stamped.length,
        failed: [],
        locked: [],
      });
      expect(await stampedTenants(cluster, tenants)).to.have.length(
        tenants.length,
      );
      // What the killed run reported done was not done again.
      const runs = await migrationRuns(cluster);
      for (const tenantId of reported) expect(runs.get(tenantId)).to.equal(1);
      for (const tenantId of tenants) {
        expect(runs.get(tenantId)).to.be.within(1, 2); // 2: killed mid-way
      }
    }).timeout(60000);

    it('two apps migrating the same tenants at once migrate each exactly once', async () => {
      const tenants = tenantIds('twice', 30);
      const held = tenants[0];
      const heldStarted = deferred();
      const release = deferred();
      // App A holds the first tenant's lock until B has done all the others.
      const holding: TenantMigration = async (ds, tenantId) => {
        if (tenantId === held) {
          heldStarted.resolve();
          await release.promise;
        }
        await countingMigration(ds, tenantId);
      };
      // Released at the end, also when an assertion fails first.
      afterEachRelease = release.resolve;
      const first = await givenApp(holding);
      const second = await givenApp(countingMigration);
      const options = {createSchemas: true, concurrency: 3};

      const running = first.schemas.migrate(tenants, options);
      await heldStarted.promise;
      const othersDone = deferred();
      const secondResults: TenantMigrationResult[] = [];
      const secondRun = second.schemas.migrate(tenants, {
        ...options,
        onResult: result => {
          secondResults.push(result);
          if (secondResults.length === tenants.length - 1) {
            othersDone.resolve();
          }
        },
      });
      await othersDone.promise;
      expect(secondResults.map(r => r.tenantId)).to.not.containEql(held);
      release.resolve();
      const [a, b] = await Promise.all([running, secondRun]);

      expect(a.failed).to.deepEqual([]);
      expect(b.failed).to.deepEqual([]);
      expect(a.migrated + b.migrated).to.equal(tenants.length);
      expect(a.upToDate + b.upToDate).to.equal(tenants.length);
      // B waited for A's lock on the held tenant, then found it current.
      const heldByB = secondResults.find(r => r.tenantId === held);
      expect(heldByB?.result).to.equal('up-to-date');
      const runs = await migrationRuns(cluster);
      for (const tenantId of tenants) expect(runs.get(tenantId)).to.equal(1);
    }).timeout(60000);

    it('reports a tenant another session holds as locked after lockTimeout, and migrates it once free', async () => {
      const [held, free] = tenantIds('held', 2);
      const {schemas} = await givenApp(countingMigration, {lockTimeout: 0});
      const holder = pgClient({
        ...{host: cluster.host, port: cluster.port, user: cluster.user},
        database: SHARED_DATABASE,
      });
      await holder.connect();
      try {
        const keys = tenantLockKeys(held);
        await holder.query('SELECT pg_advisory_lock($1, $2)', keys);

        const first = await schemas.migrate([held, free], {
          createSchemas: true,
        });
        expect(first).to.containDeep({migrated: 1, locked: [held], failed: []});

        await holder.query('SELECT pg_advisory_unlock($1, $2)', keys);
        const second = await schemas.migrate([held, free], {
          createSchemas: true,
        });
        expect(second).to.containDeep({migrated: 1, upToDate: 1, locked: []});
      } finally {
        await holder.end();
      }
      const runs = await migrationRuns(cluster);
      expect([runs.get(held), runs.get(free)]).to.deepEqual([1, 1]);
    });

    async function givenApp(
      migration: TenantMigration,
      schemas: TenantSchemaOptions = {},
    ) {
      const given = await givenSchemasApp(
        cluster,
        {schemas: {version: VERSION, ...schemas}},
        migration,
      );
      apps.push(given);
      return given;
    }
  },
);
